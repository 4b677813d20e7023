import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const text = (name: string, length: number, nullable = true): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/**
 * im_link_blocks: an IM account an admin unlinked from a member, so the automatic links by email or mobile (at a
 * click, before a page, "link by email/mobile") never link it to that member again; an explicit admin link removes
 * the row. Rows go with their member.
 */
export class ImLinkBlocks1764964000000 implements MigrationInterface {
  name = 'ImLinkBlocks1764964000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'im_link_blocks',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          text('platform', 16, false),
          text('external_id', 128, false),
          text('user_id', 128),
          text('union_id', 128),
          { name: 'member_id', type: 'int', isNullable: false },
          { name: 'created_at', type: 'datetime', precision: 3, isNullable: false },
        ],
        indices: [
          new TableIndex({ name: 'uq_im_link_blocks_account_member', columnNames: ['platform', 'external_id', 'member_id'], isUnique: true }),
          new TableIndex({ name: 'ix_im_link_blocks_user', columnNames: ['platform', 'user_id'] }),
          new TableIndex({ name: 'ix_im_link_blocks_union', columnNames: ['platform', 'union_id'] }),
          new TableIndex({ name: 'ix_im_link_blocks_member', columnNames: ['member_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['member_id'], referencedTableName: 'members', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query('ALTER TABLE `im_link_blocks` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('im_link_blocks');
  }
}
