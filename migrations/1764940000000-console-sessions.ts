import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Admin console sign-ins kept on the database (the embedded mode has no Redis); only a hash of the cookie is stored. */
export class ConsoleSessions1764940000000 implements MigrationInterface {
  name = 'ConsoleSessions1764940000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'console_sessions',
        columns: [
          { name: 'id_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'csrf_token', type: 'varchar', length: '64' },
          { name: 'token_fingerprint', type: 'varchar', length: '64' },
          { name: 'expires_at', type: 'datetime', precision: 3 },
          { name: 'created_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'ix_console_sessions_expires_at', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('console_sessions');
  }
}
