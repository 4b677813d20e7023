import { Table, TableColumn, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Escalation rules per channel, and the escalation state each incident carries. */
export class Escalation1764200000000 implements MigrationInterface {
  name = 'Escalation1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'escalation_rules',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'channel_id', type: 'int' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'position', type: 'int' },
          { name: 'enabled', type: 'boolean' },
          { name: 'filters', type: 'text' },
          { name: 'levels', type: 'text' },
          { name: 'repeat_count', type: 'int' },
          { name: 'stop_on', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'ix_escalation_rules_channel', columnNames: ['channel_id', 'position'] })],
        foreignKeys: [new TableForeignKey({ columnNames: ['channel_id'], referencedTableName: 'channels', referencedColumnNames: ['id'] })],
      }),
    );
    await queryRunner.addColumns('incidents', [
      new TableColumn({ name: 'escalation_policy', type: 'text', isNullable: true }),
      // Steps already paged; the next one to page has this index.
      new TableColumn({ name: 'escalation_step', type: 'int', default: 0 }),
      new TableColumn({ name: 'escalation_due_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'escalation_paged', type: 'text', isNullable: true }),
      // When the rules were looked at for this incident; NULL means a crash came between the alert and that.
      new TableColumn({ name: 'escalation_checked_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
    await queryRunner.createIndex('incidents', new TableIndex({ name: 'ix_incidents_escalation_due', columnNames: ['escalation_due_at'] }));
    // Incidents from before escalation existed are not escalated retroactively.
    await queryRunner.query('UPDATE incidents SET escalation_checked_at = created_at');
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query('ALTER TABLE `escalation_rules` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('incidents', 'ix_incidents_escalation_due');
    for (const column of ['escalation_policy', 'escalation_step', 'escalation_due_at', 'escalation_paged', 'escalation_checked_at']) {
      await queryRunner.dropColumn('incidents', column);
    }
    await queryRunner.dropTable('escalation_rules');
  }
}
