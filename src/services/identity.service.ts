import { randomInt } from 'node:crypto';
import { In, LessThan } from 'typeorm';
import type { PlatformName } from '../db/entities/chat-binding.entity.js';
import { ImIdentityEntity, type ImIdentity, type LinkMethod } from '../db/entities/im-identity.entity.js';
import { LinkCodeEntity, type LinkCode, type PendingAction } from '../db/entities/link-code.entity.js';
import { MemberEntity, type Member } from '../db/entities/member.entity.js';
import { isUniqueViolation, type Database } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ChatPlatform, PlatformUserProfile } from './ports/chat-platform.js';
import { withTimeout } from '../lib/timeout.js';
import { LinkedMemberCache } from './linked-member-cache.js';

const LINK_CODE_TTL_MS = 30 * 60_000;
/** A click must be answered within 3 s; a slow or throttled contact lookup counts as "not linked" this time. */
const LOOKUP_TIMEOUT_MS = 1500;
/** A page waits this long for email lookups of unlinked members; slower ones still link, for the next page. */
const EMAIL_LOOKUP_WAIT_MS = 2000;
/** An email the platform does not know is not asked about again for this long (directory lookups are rate limited). */
const EMAIL_MISS_TTL_MS = 10 * 60_000;

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
  /** `${platform}:${email}` → until when the platform is known not to have it. */
  private readonly emailMisses = new Map<string, number>();
  private readonly linkedMembers = new LinkedMemberCache();

  constructor(
    private readonly db: Database,
    private readonly platforms: ChatPlatform[],
    private readonly logger: Logger,
  ) {}

  /** The member an IM user acts as: a stored link, else an automatic one by the email or mobile the IM knows. */
  async resolveMember(platform: PlatformName, externalId: string): Promise<Member | null> {
    const cached = this.linkedMembers.get(platform, externalId);
    if (cached) return cached;
    const stamp = this.linkedMembers.stamp();
    const linked = await this.db.manager
      .createQueryBuilder(MemberEntity, 'member')
      .innerJoin(ImIdentityEntity.options.name, 'identity', 'identity.memberId = member.id')
      .where('identity.platform = :platform AND identity.externalId = :externalId', { platform, externalId })
      .getOne();
    if (linked) {
      this.linkedMembers.set(platform, externalId, linked, stamp);
      return linked;
    }
    // A link to a member that was removed since: still linked, to nobody (no automatic relink).
    if (await this.db.manager.existsBy(ImIdentityEntity, { platform, externalId })) return null;
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
    } finally {
      this.linkedMembers.forget(platform, externalId);
    }
  }

  async unlink(platform: PlatformName, externalId: string): Promise<boolean> {
    const result = await this.db.manager.delete(ImIdentityEntity, { platform, externalId });
    this.linkedMembers.forget(platform, externalId);
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

  /**
   * Members with an email but no account on a platform that can search by email get linked to the account with that
   * email, so pages can @mention and DM them. Waits a bounded time; lookups still running link in the background.
   */
  async linkByEmail(members: Member[]): Promise<void> {
    const searchable = this.platforms.filter((platform) => platform.findUserByEmail);
    const withEmail = members.filter((member) => member.email);
    if (!searchable.length || !withEmail.length) return;
    const linked = await this.db.manager.findBy(ImIdentityEntity, { memberId: In(withEmail.map((member) => member.id)) });
    const lookups = searchable.flatMap((platform) =>
      withEmail
        .filter((member) => !linked.some((identity) => identity.platform === platform.name && identity.memberId === member.id))
        .map((member) =>
          this.linkMemberByEmail(platform.name, member, 'auto_email').catch((error: unknown) => {
            this.logger.warn({ err: error, platform: platform.name, memberId: member.id }, 'email lookup failed');
          }),
        ),
    );
    await withTimeout(Promise.all(lookups), EMAIL_LOOKUP_WAIT_MS).catch(() => this.logger.debug('email lookups still running'));
  }

  canFindByEmail(platform: PlatformName): boolean {
    return Boolean(this.platforms.find((candidate) => candidate.name === platform)?.findUserByEmail);
  }

  /**
   * Finds the platform's user with the member's email and links them. Null when the platform cannot search by email,
   * has nobody with it, or (automatic links only) that user already acts as another member.
   */
  async linkMemberByEmail(platform: PlatformName, member: Member, method: 'auto_email' | 'admin'): Promise<ImIdentity | null> {
    const adapter = this.platforms.find((candidate) => candidate.name === platform);
    if (!adapter?.findUserByEmail || !member.email) return null;
    const missKey = `${platform}:${member.email.toLowerCase()}`;
    if (method === 'auto_email' && (this.emailMisses.get(missKey) ?? 0) > Date.now()) return null;
    const profile = await adapter.findUserByEmail(member.email);
    if (!profile) {
      this.emailMisses.set(missKey, Date.now() + EMAIL_MISS_TTL_MS);
      return null;
    }
    this.emailMisses.delete(missKey);
    if (method === 'auto_email') {
      const existing = await this.db.manager.findOneBy(ImIdentityEntity, { platform, externalId: profile.externalId });
      if (existing) return existing.memberId === member.id ? existing : null;
    }
    return this.link(platform, profile.externalId, member.id, method, profile);
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
