import { In } from 'typeorm';
import { ImLinkBlockEntity } from '../../db/entities/im-link-block.entity.js';
import type { AlternateIds, ImIdentity } from '../../db/entities/im-identity.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';
import type { PlatformName } from '../../domain/platform-name.js';
import { anyOf } from './alternate-ids.js';

const BLOCK_INDEX = { name: 'uq_im_link_blocks_account_member', columns: 'im_link_blocks.platform, im_link_blocks.external_id, im_link_blocks.member_id' };

/**
 * Accounts an admin unlinked from a member. The automatic links (email or mobile match) skip those pairs, so the
 * unlink sticks; an explicit admin link of the pair (mapping, link code) lifts it.
 */
export class LinkBlocks {
  constructor(private readonly db: Database) {}

  /** The identity was unlinked from its member by an admin. */
  async add(identity: ImIdentity): Promise<void> {
    const row = { platform: identity.platform, externalId: identity.externalId, userId: identity.userId, unionId: identity.unionId, memberId: identity.memberId, createdAt: new Date() };
    try {
      await this.db.manager.insert(ImLinkBlockEntity, row);
    } catch (error) {
      // Unlinked from this member before (and linked again explicitly since): one block is enough.
      if (!isUniqueViolation(error, BLOCK_INDEX)) throw error;
    }
  }

  /** The members the account (known by its primary id or any alternate id) must not be linked to automatically. */
  async blockedMembers(platform: PlatformName, externalId: string, ids: AlternateIds = {}): Promise<Set<number>> {
    const rows = await this.db.manager.find(ImLinkBlockEntity, { where: [{ platform, externalId }, ...anyOf(platform, ids)], select: { memberId: true } });
    return new Set(rows.map((row) => row.memberId));
  }

  async isBlocked(platform: PlatformName, externalId: string, memberId: number, ids: AlternateIds = {}): Promise<boolean> {
    return (await this.blockedMembers(platform, externalId, ids)).has(memberId);
  }

  /** An explicit admin link of the account to the member: earlier unlinks of the pair no longer apply. */
  async lift(platform: PlatformName, externalId: string, memberId: number, ids: AlternateIds = {}): Promise<void> {
    const rows = await this.db.manager.find(ImLinkBlockEntity, { where: [{ platform, externalId, memberId }, ...anyOf(platform, ids).map((where) => ({ ...where, memberId }))], select: { id: true } });
    if (rows.length) await this.db.manager.delete(ImLinkBlockEntity, { id: In(rows.map((row) => row.id)) });
  }
}
