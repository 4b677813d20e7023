import { randomInt } from 'node:crypto';
import { LessThan } from 'typeorm';
import type { PlatformName } from '../db/entities/chat-binding.entity.js';
import { ImIdentityEntity, type ImIdentity, type LinkMethod } from '../db/entities/im-identity.entity.js';
import { LinkCodeEntity, type LinkCode, type PendingAction } from '../db/entities/link-code.entity.js';
import { MemberEntity, type Member } from '../db/entities/member.entity.js';
import { isUniqueViolation, type Database } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ChatPlatform, PlatformUserProfile } from './ports/chat-platform.js';
import { withTimeout } from '../lib/timeout.js';

const LINK_CODE_TTL_MS = 30 * 60_000;
/** A click must be answered within 3 s; a slow or throttled contact lookup counts as "not linked" this time. */
const LOOKUP_TIMEOUT_MS = 1500;

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const IDENTITY_INDEX = { name: 'uq_im_identities_external', columns: 'im_identities.platform, im_identities.external_id' };

const digitsOf = (phone: string) => phone.replace(/\D/g, '');

/** Phones match when their trailing 11 digits do, so "+86 138 0000 0000" and "13800000000" are one number. */
function samePhone(a: string, b: string): boolean {
  const x = digitsOf(a);
  const y = digitsOf(b);
  if (x.length < 6 || y.length < 6) return false;
  return x.slice(-11) === y.slice(-11);
}

/** IM accounts ↔ members: who is clicking. */
export class IdentityService {
  constructor(
    private readonly db: Database,
    private readonly platforms: ChatPlatform[],
    private readonly logger: Logger,
  ) {}

  /** The member an IM user acts as: a stored link, else an automatic one by the email or mobile the IM knows. */
  async resolveMember(platform: PlatformName, externalId: string): Promise<Member | null> {
    const identity = await this.db.manager.findOneBy(ImIdentityEntity, { platform, externalId });
    if (identity) return this.db.manager.findOneBy(MemberEntity, { id: identity.memberId });
    return this.autoLink(platform, externalId);
  }

  async linkedIdentities(memberId: number): Promise<ImIdentity[]> {
    return this.db.manager.findBy(ImIdentityEntity, { memberId });
  }

  async link(platform: PlatformName, externalId: string, memberId: number, method: LinkMethod, profile?: PlatformUserProfile): Promise<ImIdentity> {
    const member = await this.db.manager.findOneBy(MemberEntity, { id: memberId });
    if (!member) throw new AppError('validation', `memberId: member ${memberId} does not exist`);
    const values = {
      platform,
      externalId,
      unionId: profile?.unionId ?? null,
      userId: profile?.userId ?? null,
      memberId,
      linkedBy: method,
      createdAt: new Date(),
    };
    try {
      const inserted = await this.db.manager.insert(ImIdentityEntity, values);
      return { id: Number(inserted.identifiers[0].id), ...values };
    } catch (error) {
      if (!isUniqueViolation(error, IDENTITY_INDEX)) throw error;
      await this.db.manager.update(ImIdentityEntity, { platform, externalId }, { memberId, linkedBy: method });
      return (await this.db.manager.findOneByOrFail(ImIdentityEntity, { platform, externalId }));
    }
  }

  async unlink(platform: PlatformName, externalId: string): Promise<boolean> {
    const result = await this.db.manager.delete(ImIdentityEntity, { platform, externalId });
    return (result.affected ?? 0) > 0;
  }

  /** A one-time code for `link`, remembering what the user was trying to do. */
  async createLinkCode(platform: PlatformName, externalId: string, pendingAction: PendingAction | null): Promise<LinkCode> {
    await this.db.manager.delete(LinkCodeEntity, { expiresAt: LessThan(new Date()) });
    const now = new Date();
    const code = Array.from({ length: 8 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
    const linkCode: LinkCode = { code, platform, externalId, pendingAction, expiresAt: new Date(now.getTime() + LINK_CODE_TTL_MS), createdAt: now };
    await this.db.manager.insert(LinkCodeEntity, linkCode);
    return linkCode;
  }

  /** Redeems a code for a member: the code's IM account now acts as that member. Single use. */
  async redeemLinkCode(code: string, memberId: number): Promise<{ identity: ImIdentity; linkCode: LinkCode }> {
    const linkCode = await this.db.manager.findOneBy(LinkCodeEntity, { code: code.trim().toUpperCase() });
    if (!linkCode || linkCode.expiresAt.getTime() < Date.now()) throw new AppError('not_found', 'link code is unknown or expired');
    const consumed = await this.db.manager.delete(LinkCodeEntity, { code: linkCode.code });
    if (!consumed.affected) throw new AppError('not_found', 'link code was already used');
    const identity = await this.link(linkCode.platform, linkCode.externalId, memberId, 'link_code');
    return { identity, linkCode };
  }

  private async autoLink(platform: PlatformName, externalId: string): Promise<Member | null> {
    const adapter = this.platforms.find((candidate) => candidate.name === platform);
    if (!adapter) return null;
    let profile: PlatformUserProfile | null;
    try {
      profile = await withTimeout(adapter.lookupUser(externalId), LOOKUP_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ err: error, platform }, 'user lookup failed; treating the user as unlinked');
      return null;
    }
    if (!profile) return null;
    const members = await this.db.manager.find(MemberEntity);
    const byEmail = profile.email ? members.find((member) => member.email?.toLowerCase() === profile.email!.toLowerCase()) : undefined;
    const byPhone = !byEmail && profile.mobile ? members.find((member) => member.phone && samePhone(member.phone, profile.mobile!)) : undefined;
    const member = byEmail ?? byPhone;
    if (!member) return null;
    await this.link(platform, externalId, member.id, byEmail ? 'auto_email' : 'auto_mobile', profile);
    return member;
  }
}
