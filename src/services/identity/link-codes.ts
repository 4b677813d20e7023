import { randomInt } from 'node:crypto';
import { In, LessThan, MoreThan } from 'typeorm';
import type { AlternateIds } from '../../db/entities/im-identity.entity.js';
import { LinkCodeEntity, type LinkCode, type PendingAction } from '../../db/entities/link-code.entity.js';
import type { Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import { anyOf, hasAny } from './alternate-ids.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** A code, and the action it remembers, live this long: a pending action older than that is not carried out. */
export const LINK_CODE_TTL_MS = 30 * 60_000;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** One-time link codes, and the actions unlinked users asked for, kept with them. */
export class LinkCodes {
  constructor(private readonly db: Database) {}

  async create(platform: PlatformName, externalId: string, pendingAction: PendingAction | null, ids: AlternateIds): Promise<LinkCode> {
    await this.db.manager.delete(LinkCodeEntity, { expiresAt: LessThan(new Date()) });
    const now = new Date();
    const code = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
    const linkCode: LinkCode = {
      code,
      platform,
      externalId,
      userId: ids.userId ?? null,
      unionId: ids.unionId ?? null,
      pendingAction,
      expiresAt: new Date(now.getTime() + LINK_CODE_TTL_MS),
      createdAt: now,
    };
    await this.db.manager.insert(LinkCodeEntity, linkCode);
    return linkCode;
  }

  /** Uses the code up (single use, also across instances); not_found when unknown, expired or just used. */
  async consume(code: string): Promise<LinkCode> {
    const linkCode = await this.db.manager.findOneBy(LinkCodeEntity, { code: code.trim().toUpperCase() });
    if (!linkCode || linkCode.expiresAt.getTime() < Date.now()) throw new AppError('not_found', 'link code is unknown or expired');
    const consumed = await this.db.manager.delete(LinkCodeEntity, { code: linkCode.code });
    if (!consumed.affected) throw new AppError('not_found', 'link code was already used');
    return linkCode;
  }

  /** The newest code of an account known by any of these alternate ids: it tells the account's primary id. */
  async newestByAlternateIds(platform: PlatformName, ids: AlternateIds): Promise<LinkCode | null> {
    if (!hasAny(ids)) return null;
    return this.db.manager.findOne(LinkCodeEntity, { where: anyOf(platform, ids), order: { createdAt: 'DESC' } });
  }

  /**
   * The account was just linked: its newest action still pending (its code not expired) is claimed for the caller to
   * carry out, and older ones are dropped. Claiming deletes the code, so an action is carried out once even when two
   * instances link the account at the same moment. `owned`: a code the caller has already consumed (redeemed).
   */
  async takePendingAction(platform: PlatformName, externalId: string, owned?: LinkCode): Promise<PendingAction | undefined> {
    const waiting = (
      await this.db.manager.find(LinkCodeEntity, { where: { platform, externalId, expiresAt: MoreThan(new Date()) }, order: { createdAt: 'DESC' } })
    ).filter((code) => code.pendingAction);
    let chosen = owned?.pendingAction ? owned : undefined;
    const newest = waiting[0];
    if (newest && (!chosen || newest.createdAt.getTime() > chosen.createdAt.getTime())) {
      const claimed = await this.db.manager.delete(LinkCodeEntity, { code: newest.code });
      // Linked at the same moment elsewhere, which carries it out.
      if (!claimed.affected) return undefined;
      chosen = newest;
    }
    const older = waiting.filter((code) => code !== chosen).map((code) => code.code);
    if (older.length) await this.db.manager.delete(LinkCodeEntity, { code: In(older) });
    return chosen?.pendingAction ?? undefined;
  }
}
