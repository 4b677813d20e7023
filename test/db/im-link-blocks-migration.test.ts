/**
 * Migration 1764964000000 adds im_link_blocks (an account an admin unlinked from a member): one row per account and
 * member, gone with the member; reverting drops the table and leaves the links as they are.
 */
import { ImLinkBlocks1764964000000 } from '../../migrations/1764964000000-im-link-blocks.js';
import { openDatabase } from '../../src/db/data-source.js';
import { isUniqueViolation } from '../../src/db/database.js';
import { ImIdentityEntity } from '../../src/db/entities/im-identity.entity.js';
import { ImLinkBlockEntity } from '../../src/db/entities/im-link-block.entity.js';
import { MemberEntity } from '../../src/db/entities/member.entity.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';
import { undoMigrationsThrough } from '../support/migrations.js';

describe.each(DATABASE_KINDS)('im_link_blocks migration on %s', (kind) => {
  let database: DatabaseConfig;
  beforeEach(async () => {
    database = await freshDatabase(kind, 'im_link_blocks_migration');
  });
  afterEach(async () => {
    await dropDatabase(database);
  });

  it('keeps one block per account and member, removed with the member; reverting drops only the table', async () => {
    const dataSource = await openDatabase(database);
    try {
      const manager = dataSource.manager;
      const now = new Date();
      const member = await manager.save(MemberEntity, manager.create(MemberEntity, { name: 'Ann', email: 'ann@example.com', createdAt: now, updatedAt: now }));
      const other = await manager.save(MemberEntity, manager.create(MemberEntity, { name: 'Bob', email: 'bob@example.com', createdAt: now, updatedAt: now }));
      const block = (memberId: number) => ({ platform: 'feishu' as const, externalId: 'ou_ann', userId: 'ann_uid', unionId: null, memberId, createdAt: now });
      await manager.insert(ImLinkBlockEntity, block(member.id));
      await manager.insert(ImLinkBlockEntity, block(other.id));
      const duplicate = await manager.insert(ImLinkBlockEntity, block(member.id)).then(() => null, (error: unknown) => error);
      expect(isUniqueViolation(duplicate, { name: 'uq_im_link_blocks_account_member', columns: 'im_link_blocks.platform, im_link_blocks.external_id, im_link_blocks.member_id' })).toBe(true);

      await manager.delete(MemberEntity, { id: member.id });
      expect((await manager.find(ImLinkBlockEntity)).map((row) => row.memberId)).toEqual([other.id]);

      await manager.insert(ImIdentityEntity, { platform: 'feishu', externalId: 'ou_bob', unionId: null, userId: null, memberId: other.id, linkedBy: 'admin', createdAt: now });
      await undoMigrationsThrough(dataSource, ImLinkBlocks1764964000000);
      const runner = dataSource.createQueryRunner();
      try {
        expect(await runner.hasTable('im_link_blocks')).toBe(false);
      } finally {
        await runner.release();
      }
      expect(await manager.count(ImIdentityEntity)).toBe(1);
    } finally {
      await dataSource.destroy();
    }
  }, 60_000);
});
