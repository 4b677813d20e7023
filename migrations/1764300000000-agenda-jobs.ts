import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const at = (name: string, nullable = true): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const text = (name: string, length: number, nullable = true): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'int', isNullable: nullable });
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false });

/** Agenda's job store for the embedded (no Redis) mode: see src/jobs/scheduler/typeorm-job-repository.ts. */
export class AgendaJobs1764300000000 implements MigrationInterface {
  name = 'AgendaJobs1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'agenda_jobs',
        columns: [
          { ...text('id', 36, false), isPrimary: true },
          text('name', 200, false),
          int('priority'),
          text('type', 16, false),
          at('next_run_at'),
          at('locked_at'),
          at('last_run_at'),
          at('last_finished_at'),
          at('failed_at'),
          int('fail_count', true),
          { name: 'fail_reason', type: 'text', isNullable: true },
          text('repeat_interval', 200),
          text('repeat_timezone', 64),
          text('repeat_at', 200),
          at('start_date'),
          at('end_date'),
          text('skip_days', 32),
          bool('disabled'),
          { name: 'progress', type: 'double', isNullable: true },
          bool('fork'),
          { name: 'data', type: 'text', isNullable: true },
          text('unique_key', 64),
          at('debounce_started_at'),
          text('last_modified_by', 200),
          at('created_at', false),
          at('updated_at', false),
        ],
        indices: [
          // The poll: name = ? AND ((locked_at IS NULL AND next_run_at <= ?) OR locked_at <= ?): two ranges of this index.
          new TableIndex({ name: 'ix_agenda_jobs_scan', columnNames: ['name', 'locked_at', 'next_run_at'] }),
          new TableIndex({ name: 'ix_agenda_jobs_next_run_at', columnNames: ['next_run_at'] }),
          // One 'single' job per name (every()), one job per unique() query; NULLs (plain jobs) never collide.
          new TableIndex({ name: 'uq_agenda_jobs_unique_key', columnNames: ['name', 'unique_key'], isUnique: true }),
        ],
      }),
    );
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query('ALTER TABLE `agenda_jobs` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('agenda_jobs');
  }
}
