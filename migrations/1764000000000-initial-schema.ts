import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const at = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'int', isNullable: nullable });
const longText = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'text', isNullable: nullable });
const bool = (name: string): TableColumnOptions => ({ name, type: 'boolean', isNullable: false });

const TABLES = ['incident_events', 'alerts', 'incidents', 'integrations', 'members', 'channels'];

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'channels',
        columns: [id, text('name', 100), text('description', 500), text('time_zone', 64), at('created_at'), at('updated_at')],
        indices: [new TableIndex({ name: 'uq_channels_name', columnNames: ['name'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'members',
        columns: [id, text('name', 100), text('email', 255, true), text('phone', 32, true), at('created_at'), at('updated_at')],
        indices: [new TableIndex({ name: 'uq_members_email', columnNames: ['email'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'integrations',
        columns: [
          id,
          text('name', 100),
          text('type', 16),
          text('kind', 16),
          text('hook_key', 64),
          int('channel_id', true),
          longText('routes', true),
          int('default_channel_id', true),
          text('message_format', 16),
          text('push_mode', 16),
          longText('push_rules', true),
          bool('discard_unmatched'),
          text('signing_secret', 255, true),
          longText('keywords'),
          bool('enabled'),
          at('created_at'),
          at('updated_at'),
        ],
        indices: [new TableIndex({ name: 'uq_integrations_hook_key', columnNames: ['hook_key'], isUnique: true })],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['channel_id'], referencedTableName: 'channels', referencedColumnNames: ['id'] }),
          new TableForeignKey({ columnNames: ['default_channel_id'], referencedTableName: 'channels', referencedColumnNames: ['id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'incidents',
        columns: [
          id,
          int('channel_id'),
          text('title', 512),
          longText('description'),
          text('description_format', 16),
          text('severity', 16),
          text('status', 16),
          int('alert_count'),
          at('acknowledged_at', true),
          int('acknowledged_by', true),
          at('closed_at', true),
          int('closed_by', true),
          at('created_at'),
          at('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_incidents_channel_status', columnNames: ['channel_id', 'status'] }),
          new TableIndex({ name: 'ix_incidents_status_created', columnNames: ['status', 'created_at'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['channel_id'], referencedTableName: 'channels', referencedColumnNames: ['id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'alerts',
        columns: [
          id,
          int('integration_id'),
          int('incident_id'),
          text('alert_key', 512),
          text('open_key_hash', 64, true),
          text('title', 512),
          longText('description'),
          text('description_format', 16),
          text('severity', 16),
          text('status', 16),
          int('event_count'),
          at('first_seen_at'),
          at('last_seen_at'),
          at('resolved_at', true),
          longText('raw_payload'),
        ],
        indices: [
          // NULLs never collide, so only firing alerts are constrained: one open alert per key per integration.
          new TableIndex({ name: 'uq_alerts_open_key', columnNames: ['integration_id', 'open_key_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_alerts_incident', columnNames: ['incident_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['incident_id'], referencedTableName: 'incidents', referencedColumnNames: ['id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'incident_events',
        columns: [
          id,
          int('incident_id'),
          text('kind', 32),
          text('actor_type', 16),
          int('actor_id', true),
          text('actor_name', 100),
          longText('detail', true),
          at('created_at'),
        ],
        indices: [new TableIndex({ name: 'ix_incident_events_incident', columnNames: ['incident_id', 'id'] })],
        foreignKeys: [new TableForeignKey({ columnNames: ['incident_id'], referencedTableName: 'incidents', referencedColumnNames: ['id'] })],
      }),
    );
    if (queryRunner.connection.options.type === 'mysql') {
      for (const table of TABLES) {
        await queryRunner.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await queryRunner.dropTable(table);
  }
}
