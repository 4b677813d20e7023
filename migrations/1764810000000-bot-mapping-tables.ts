import { Table, TableColumn, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Mapping tables (member email → IM user id) for group bots' @mentions, and a bot's choice of one. */
export class BotMappingTables1764810000000 implements MigrationInterface {
  name = 'BotMappingTables1764810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'bot_mapping_tables',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'name', type: 'varchar', length: '100', isUnique: true },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bot_mapping_rows',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'table_id', type: 'int' },
          { name: 'email', type: 'varchar', length: '255' },
          { name: 'user_id', type: 'varchar', length: '128' },
        ],
        indices: [new TableIndex({ name: 'uq_bot_mapping_rows_email', columnNames: ['table_id', 'email'], isUnique: true })],
        foreignKeys: [new TableForeignKey({ columnNames: ['table_id'], referencedTableName: 'bot_mapping_tables', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await queryRunner.addColumn('webhook_bots', new TableColumn({ name: 'mapping_table_id', type: 'int', isNullable: true }));
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query('ALTER TABLE `bot_mapping_tables` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
      await queryRunner.query('ALTER TABLE `bot_mapping_rows` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('webhook_bots', 'mapping_table_id');
    await queryRunner.dropTable('bot_mapping_rows');
    await queryRunner.dropTable('bot_mapping_tables');
  }
}
