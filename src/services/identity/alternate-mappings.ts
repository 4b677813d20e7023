import { In } from 'typeorm';
import { ImAlternateMappingEntity, type ImAlternateMapping } from '../../db/entities/im-alternate-mapping.entity.js';
import type { AlternateIds } from '../../db/entities/im-identity.entity.js';
import type { Database } from '../../db/database.js';
import { anyOf, hasAny } from './alternate-ids.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** A mapping by alternate id shown as a link whose primary id is not known yet. */
export interface AwaitingLink {
  platform: PlatformName;
  externalId: null;
  userId: string | null;
  unionId: string | null;
  memberId: number;
  linkedBy: 'admin';
  createdAt: Date;
}

/** Admin mappings made by an alternate id alone, waiting for the account's first click or command. */
export class AlternateMappings {
  constructor(private readonly db: Database) {}

  /** The newest mapping holding any of the ids. */
  async find(platform: PlatformName, ids: AlternateIds): Promise<ImAlternateMapping | null> {
    if (!hasAny(ids)) return null;
    return this.db.manager.findOne(ImAlternateMappingEntity, { where: anyOf(platform, ids), order: { id: 'DESC' } });
  }

  /** Replaces the mappings of these ids with one to `memberId`. */
  async save(platform: PlatformName, ids: AlternateIds, memberId: number): Promise<AwaitingLink> {
    await this.drop(platform, ids);
    const mapping = { platform, userId: ids.userId ?? null, unionId: ids.unionId ?? null, memberId, createdAt: new Date() };
    await this.db.manager.insert(ImAlternateMappingEntity, mapping);
    return awaiting(mapping);
  }

  /** Mappings superseded by a link of the account that has these ids. */
  async drop(platform: PlatformName, ids: AlternateIds): Promise<void> {
    if (!hasAny(ids)) return;
    const stale = await this.db.manager.find(ImAlternateMappingEntity, { where: anyOf(platform, ids), select: { id: true } });
    if (stale.length) await this.db.manager.delete(ImAlternateMappingEntity, { id: In(stale.map((mapping) => mapping.id)) });
  }

  /** Withdraws the member's mappings on `platform` with these ids (each id given must match); what was withdrawn. */
  async withdraw(memberId: number, platform: PlatformName, ids: AlternateIds): Promise<AwaitingLink[]> {
    if (!hasAny(ids)) return [];
    const where = { memberId, platform, ...(ids.userId ? { userId: ids.userId } : {}), ...(ids.unionId ? { unionId: ids.unionId } : {}) };
    const found = await this.db.manager.findBy(ImAlternateMappingEntity, where);
    if (found.length) await this.db.manager.delete(ImAlternateMappingEntity, { id: In(found.map((mapping) => mapping.id)) });
    return found.map(awaiting);
  }

  async ofMember(memberId: number): Promise<AwaitingLink[]> {
    return (await this.db.manager.findBy(ImAlternateMappingEntity, { memberId })).map(awaiting);
  }
}

function awaiting(mapping: Omit<ImAlternateMapping, 'id'>): AwaitingLink {
  return { platform: mapping.platform, externalId: null, userId: mapping.userId, unionId: mapping.unionId, memberId: mapping.memberId, linkedBy: 'admin', createdAt: mapping.createdAt };
}
