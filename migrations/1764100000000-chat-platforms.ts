import { Table, TableIndex, TableForeignKey, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const at = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'datetime', precision: 3, isNullable: nullable });
const text = (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const int = (name: string, nullable = false): TableColumnOptions => ({ name, type: 'int', isNullable: nullable });

const TABLES = ['processed_events', 'link_codes', 'im_identities', 'chat_messages', 'chat_bindings'];

/** Group chats bound to channels, the cards posted in them, IM accounts linked to members, inbound dedupe. */
export class ChatPlatforms1764100000000 implements MigrationInterface {
  name = 'ChatPlatforms1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'chat_bindings',
        columns: [id, text('platform', 16), text('chat_id', 128), int('channel_id'), text('chat_name', 200), at('created_at')],
        indices: [
          new TableIndex({ name: 'uq_chat_bindings_chat', columnNames: ['platform', 'chat_id'], isUnique: true }),
          new TableIndex({ name: 'ix_chat_bindings_channel', columnNames: ['channel_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['channel_id'], referencedTableName: 'channels', referencedColumnNames: ['id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'chat_messages',
        columns: [id, text('platform', 16), text('chat_id', 128), int('incident_id'), text('message_id', 128, true), at('posted_at', true), at('created_at')],
        indices: [
          // The claim that keeps two concurrent triggers from posting two cards for one incident in one chat.
          new TableIndex({ name: 'uq_chat_messages_card', columnNames: ['platform', 'chat_id', 'incident_id'], isUnique: true }),
          new TableIndex({ name: 'ix_chat_messages_incident', columnNames: ['incident_id'] }),
          new TableIndex({ name: 'ix_chat_messages_message', columnNames: ['platform', 'message_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['incident_id'], referencedTableName: 'incidents', referencedColumnNames: ['id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'im_identities',
        columns: [id, text('platform', 16), text('external_id', 128), text('union_id', 128, true), text('user_id', 128, true), int('member_id'), text('linked_by', 16), at('created_at')],
        indices: [
          new TableIndex({ name: 'uq_im_identities_external', columnNames: ['platform', 'external_id'], isUnique: true }),
          new TableIndex({ name: 'ix_im_identities_member', columnNames: ['member_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['member_id'], referencedTableName: 'members', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'link_codes',
        columns: [{ ...text('code', 32), isPrimary: true }, text('platform', 16), text('external_id', 128), { name: 'pending_action', type: 'text', isNullable: true }, at('expires_at'), at('created_at')],
        indices: [new TableIndex({ name: 'ix_link_codes_external', columnNames: ['platform', 'external_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'processed_events',
        columns: [{ ...text('event_key', 160), isPrimary: true }, at('created_at')],
        indices: [new TableIndex({ name: 'ix_processed_events_created', columnNames: ['created_at'] })],
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
