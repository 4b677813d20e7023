import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/** Group webhook bots per channel, with their health, and the record of every message sent to one. */
export class WebhookBots1764800000000 implements MigrationInterface {
  name = 'WebhookBots1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'webhook_bots',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'channel_id', type: 'int' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'url', type: 'text' },
          { name: 'secret', type: 'varchar', length: '500', isNullable: true },
          { name: 'chat_id', type: 'varchar', length: '100', isNullable: true },
          { name: 'keyword', type: 'varchar', length: '100', isNullable: true },
          // JSON array of the subscribed events.
          { name: 'events', type: 'text' },
          { name: 'enabled', type: 'boolean' },
          { name: 'last_success_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_error_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'last_error', type: 'varchar', length: '500', isNullable: true },
          { name: 'consecutive_failures', type: 'int', default: 0 },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'ix_webhook_bots_channel', columnNames: ['channel_id'] })],
        foreignKeys: [new TableForeignKey({ columnNames: ['channel_id'], referencedTableName: 'channels', referencedColumnNames: ['id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'bot_deliveries',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'bot_id', type: 'int' },
          { name: 'incident_id', type: 'int', isNullable: true },
          { name: 'event', type: 'varchar', length: '32' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'int' },
          { name: 'answer_status', type: 'int', isNullable: true },
          { name: 'answer', type: 'text', isNullable: true },
          { name: 'error_kind', type: 'varchar', length: '32', isNullable: true },
          // An escalation page's message key (incident, run, step, target): a page delivered again is not sent twice.
          { name: 'page_key', type: 'varchar', length: '200', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        indices: [
          new TableIndex({ name: 'ix_bot_deliveries_bot', columnNames: ['bot_id', 'id'] }),
          new TableIndex({ name: 'ix_bot_deliveries_incident', columnNames: ['incident_id'] }),
          new TableIndex({ name: 'ix_bot_deliveries_page_key', columnNames: ['page_key'] }),
        ],
        // No foreign keys: a bot's records outlive it (deleting a bot keeps what was sent for the incidents' sake).
      }),
    );
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query('ALTER TABLE `webhook_bots` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
      await queryRunner.query('ALTER TABLE `bot_deliveries` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('bot_deliveries');
    await queryRunner.dropTable('webhook_bots');
  }
}
