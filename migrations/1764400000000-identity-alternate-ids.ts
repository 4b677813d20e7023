import { Table, TableColumn, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const text = (name: string, length: number, nullable = true): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/**
 * IM accounts are known by their alternate ids too (Feishu user_id / union_id next to the per-app open_id):
 * - im_identities is searched by them (the columns existed, unindexed);
 * - im_alternate_mappings holds an admin's mapping made by an alternate id alone, until the account's first click or
 *   command tells its primary id;
 * - link_codes remember the alternate ids of the account that asked, so a mapping by alternate id finds its
 *   pending action.
 */
export class IdentityAlternateIds1764400000000 implements MigrationInterface {
  name = 'IdentityAlternateIds1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndices('im_identities', [
      new TableIndex({ name: 'ix_im_identities_user', columnNames: ['platform', 'user_id'] }),
      new TableIndex({ name: 'ix_im_identities_union', columnNames: ['platform', 'union_id'] }),
    ]);
    await queryRunner.addColumns('link_codes', [new TableColumn(text('user_id', 128)), new TableColumn(text('union_id', 128))]);
    await queryRunner.createIndices('link_codes', [
      new TableIndex({ name: 'ix_link_codes_user', columnNames: ['platform', 'user_id'] }),
      new TableIndex({ name: 'ix_link_codes_union', columnNames: ['platform', 'union_id'] }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'im_alternate_mappings',
        columns: [
          id,
          text('platform', 16, false),
          text('user_id', 128),
          text('union_id', 128),
          { name: 'member_id', type: 'int', isNullable: false },
          { name: 'created_at', type: 'datetime', precision: 3, isNullable: false },
        ],
        indices: [
          new TableIndex({ name: 'ix_im_alternate_mappings_user', columnNames: ['platform', 'user_id'] }),
          new TableIndex({ name: 'ix_im_alternate_mappings_union', columnNames: ['platform', 'union_id'] }),
          new TableIndex({ name: 'ix_im_alternate_mappings_member', columnNames: ['member_id'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['member_id'], referencedTableName: 'members', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    if (queryRunner.connection.options.type === 'mysql') {
      await queryRunner.query('ALTER TABLE `im_alternate_mappings` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('im_alternate_mappings');
    await queryRunner.dropIndex('link_codes', 'ix_link_codes_union');
    await queryRunner.dropIndex('link_codes', 'ix_link_codes_user');
    await queryRunner.dropColumns('link_codes', ['union_id', 'user_id']);
    await queryRunner.dropIndex('im_identities', 'ix_im_identities_union');
    await queryRunner.dropIndex('im_identities', 'ix_im_identities_user');
  }
}
