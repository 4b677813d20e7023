import { Brackets, In } from 'typeorm';
import { ImIdentityEntity, type AlternateIds, type ImIdentity, type LinkMethod } from '../../db/entities/im-identity.entity.js';
import type { LinkCode, PendingAction } from '../../db/entities/link-code.entity.js';
import { MemberEntity, type Member } from '../../db/entities/member.entity.js';
import { isUniqueViolation, type Database } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { PlatformUserProfile, UserDirectory } from '../ports/capabilities.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';
import { withTimeout } from '../../lib/timeout.js';
import { anyOf, hasAny, presentIds } from './alternate-ids.js';
import { AlternateMappings, type AwaitingLink } from './alternate-mappings.js';
import { LinkBlocks } from './link-blocks.js';
import { LinkCodes } from './link-codes.js';
import { LinkedMemberCache } from './linked-member-cache.js';
import type { PlatformName } from '../../domain/platform-name.js';

/** A click must be answered within 3 s; a slow or throttled contact lookup counts as "not linked" this time. */
const LOOKUP_TIMEOUT_MS = 1500;
/** A page waits this long for email lookups of unlinked members; slower ones still link, for the next page. */
const EMAIL_LOOKUP_WAIT_MS = 2000;
/** An email (or phone number) the platform does not know is not asked about again for this long (directory lookups are rate limited). */
const EMAIL_MISS_TTL_MS = 10 * 60_000;

const IDENTITY_INDEX = { name: 'uq_im_identities_external', columns: 'im_identities.platform, im_identities.external_id' };

const digitsOf = (phone: string) => phone.replace(/\D/g, '');

/** Phones match when their trailing 11 digits do, so "+86 138 0000 0000" and "13800000000" are one number. */
function samePhone(a: string, b: string): boolean {
  const x = digitsOf(a);
  const y = digitsOf(b);
  if (x.length < 6 || y.length < 6) return false;
  return x.slice(-11) === y.slice(-11);
}

/** An account that was just linked, by any path, and the action it had asked for while unlinked (claimed: once). */
export interface NewlyLinked {
  platform: PlatformName;
  externalId: string;
  member: Member;
  pendingAction: PendingAction;
}

/** Links an admin made on purpose: they lift an earlier unlink of the same account from the same member. */
const EXPLICIT_LINKS: ReadonlySet<LinkMethod> = new Set(['admin', 'link_code']);

type IdentityWithMember = ImIdentity & { member?: Member | null };

/** IM accounts ↔ members: who is clicking. */
export class IdentityService {
  /** `${platform}:${email}` → until when the platform is known not to have it. */
  private readonly emailMisses = new Map<string, number>();
  private readonly linkedMembers = new LinkedMemberCache();
  private readonly codes: LinkCodes;
  private readonly mappings: AlternateMappings;
  private readonly blocks: LinkBlocks;
  private linkedListener?: (linked: NewlyLinked) => Promise<void>;

  constructor(
    private readonly db: Database,
    private readonly destinations: DestinationRegistry,
    private readonly logger: Logger,
  ) {
    this.codes = new LinkCodes(db);
    this.mappings = new AlternateMappings(db);
    this.blocks = new LinkBlocks(db);
  }

  /** Who carries out what an account asked for while unlinked, once it is linked (whichever way that happens). */
  onLinked(listener: (linked: NewlyLinked) => Promise<void>): void {
    this.linkedListener = listener;
  }

  /**
   * The member an IM user acts as: a stored link found by the account's primary id or any alternate id it carries
   * (filling in the ids the link lacked), an admin's mapping by an alternate id, else an automatic link by the email
   * or mobile the IM knows.
   */
  async resolveMember(platform: PlatformName, externalId: string, alternateIds?: AlternateIds): Promise<Member | null> {
    const cached = this.linkedMembers.get(platform, externalId);
    if (cached) return cached;
    const stamp = this.linkedMembers.stamp();
    const ids = presentIds(alternateIds);
    const matches = await this.identitiesOf(platform, externalId, ids);
    if (matches.length > 0) {
      // A link to a member that was removed since: still linked, to nobody (no automatic relink).
      const member = await this.learnIds(matches.find((identity) => identity.externalId === externalId) ?? matches[0], externalId, ids);
      if (member) this.linkedMembers.set(platform, externalId, member, stamp);
      return member;
    }
    const mapping = await this.mappings.find(platform, ids);
    if (mapping) {
      await this.link(platform, externalId, mapping.memberId, 'admin', ids);
      return this.db.manager.findOneBy(MemberEntity, { id: mapping.memberId });
    }
    return this.autoLink(platform, externalId, ids);
  }

  /** The member's links, and the admin mappings by alternate id still waiting for the account's first use. */
  async linkedIdentities(memberId: number): Promise<Array<ImIdentity | AwaitingLink>> {
    return [...(await this.db.manager.findBy(ImIdentityEntity, { memberId })), ...(await this.mappings.ofMember(memberId))];
  }

  /** Links the account (primary id, and the alternate ids known of it) to the member; what it had asked for is carried out. */
  async link(platform: PlatformName, externalId: string, memberId: number, method: LinkMethod, alternateIds?: AlternateIds): Promise<ImIdentity> {
    const { identity, member } = await this.writeLink(platform, externalId, memberId, method, presentIds(alternateIds));
    await this.afterLinked(platform, externalId, member);
    return identity;
  }

  /**
   * An admin's mapping by alternate id alone (Flashduty's "mapping data": member → Feishu user_id). Links the accounts
   * already known by that id; else the account whose link code carries it (its primary id is then known); else the
   * mapping waits for the account's first click or command.
   */
  async linkByAlternateIds(platform: PlatformName, alternateIds: AlternateIds, memberId: number): Promise<Array<ImIdentity | AwaitingLink>> {
    const ids = presentIds(alternateIds);
    if (!hasAny(ids)) throw new AppError('validation', 'userId or unionId: needed');
    if (!(await this.db.manager.existsBy(MemberEntity, { id: memberId }))) throw new AppError('validation', `memberId: member ${memberId} does not exist`);
    const known = await this.db.manager.find(ImIdentityEntity, { where: anyOf(platform, ids) });
    if (known.length > 0) {
      const linked: ImIdentity[] = [];
      for (const identity of known) linked.push(await this.link(platform, identity.externalId, memberId, 'admin', ids));
      return linked;
    }
    const code = await this.codes.newestByAlternateIds(platform, ids);
    if (code) return [await this.link(platform, code.externalId, memberId, 'admin', { ...alternatesOf(code), ...ids })];
    const awaiting = await this.mappings.save(platform, ids, memberId);
    // An account linked before by its primary id only may be this one: its next click must not act as the old member.
    this.linkedMembers.forgetAll();
    return [awaiting];
  }

  /**
   * An admin's unlink of a wrong link: the account acts as nobody, and is not linked to this member again by email or
   * mobile until an admin links the two explicitly. Not found: the account is not linked to this member.
   */
  async unlink(memberId: number, platform: PlatformName, externalId: string): Promise<ImIdentity> {
    const identity = await this.db.manager.findOneBy(ImIdentityEntity, { platform, externalId, memberId });
    if (!identity) throw new AppError('not_found', `member ${memberId} has no ${platform} link to the account ${externalId.slice(0, 128)}`);
    // The block first: an unlink that fails halfway leaves the link in place, never a link that can come back by itself.
    await this.blocks.add(identity);
    await this.db.manager.delete(ImIdentityEntity, { id: identity.id });
    this.linkedMembers.forget(platform, externalId);
    this.logger.info(
      { memberId, platform, externalId, userId: identity.userId, unionId: identity.unionId, linkedBy: identity.linkedBy, linkedAt: identity.createdAt },
      'IM account unlinked from its member by an admin; no automatic link to that member again',
    );
    return identity;
  }

  /**
   * Withdraws an admin mapping by user id / union id that still waits for the account's first use (a mistyped id
   * would otherwise link a stranger's account at its first click).
   */
  async withdrawAwaitingLink(memberId: number, platform: PlatformName, ids: AlternateIds): Promise<AwaitingLink[]> {
    if (!hasAny(presentIds(ids))) throw new AppError('validation', 'userId or unionId: needed, to name the mapping');
    const withdrawn = await this.mappings.withdraw(memberId, platform, presentIds(ids));
    if (withdrawn.length === 0) throw new AppError('not_found', `member ${memberId} has no ${platform} mapping waiting with those ids`);
    this.logger.info({ memberId, platform, userId: ids.userId, unionId: ids.unionId }, 'admin mapping by alternate id withdrawn before the account was first seen');
    return withdrawn;
  }

  /** A one-time code for `link`, remembering what the user was trying to do. */
  async createLinkCode(platform: PlatformName, externalId: string, pendingAction: PendingAction | null, alternateIds?: AlternateIds): Promise<LinkCode> {
    return this.codes.create(platform, externalId, pendingAction, presentIds(alternateIds));
  }

  /**
   * Redeems a code for a member: the code's IM account now acts as that member. Single use. Returns the account's
   * newest pending action (this code's or a newer one's), claimed for the caller to carry out.
   */
  async redeemLinkCode(code: string, memberId: number): Promise<{ identity: ImIdentity; linkCode: LinkCode; pendingAction?: PendingAction }> {
    const linkCode = await this.codes.consume(code);
    const { identity } = await this.writeLink(linkCode.platform, linkCode.externalId, memberId, 'link_code', alternatesOf(linkCode));
    const pendingAction = await this.codes.takePendingAction(linkCode.platform, linkCode.externalId, linkCode);
    return { identity, linkCode, pendingAction };
  }

  /**
   * Members with an email but no account on a platform that can search by email get linked to the account with that
   * email, so pages can @mention and DM them. Waits a bounded time; lookups still running link in the background.
   */
  async linkByEmail(members: Member[]): Promise<void> {
    const searchable = this.destinations.with('directory').filter(({ capability }) => capability.findUserByEmail);
    const withEmail = members.filter((member) => member.email);
    if (!searchable.length || !withEmail.length) return;
    const linked = await this.db.manager.findBy(ImIdentityEntity, { memberId: In(withEmail.map((member) => member.id)) });
    const lookups = searchable.flatMap(({ name }) =>
      withEmail
        .filter((member) => !linked.some((identity) => identity.platform === name && identity.memberId === member.id))
        .map((member) =>
          this.linkMemberByEmail(name as PlatformName, member, 'auto_email').catch((error: unknown) => {
            this.logger.warn({ err: error, platform: name, memberId: member.id }, 'email lookup failed');
          }),
        ),
    );
    await withTimeout(Promise.all(lookups), EMAIL_LOOKUP_WAIT_MS).catch(() => this.logger.debug('email lookups still running'));
  }

  /** Before a page: unlinked members are looked up by email and by phone number, where a platform can search by them. */
  async linkForPages(members: Member[]): Promise<void> {
    await Promise.all([this.linkByEmail(members), this.linkByMobile(members)]);
  }

  /**
   * Members with a phone number but no account on a platform that can search by mobile (DingTalk, which has no
   * search by email) get linked to the account with that number. Waits a bounded time, as the email lookups do.
   */
  async linkByMobile(members: Member[]): Promise<void> {
    const searchable = this.destinations.with('directory').filter(({ capability }) => capability.findUserByMobile);
    const withPhone = members.filter((member) => member.phone && digitsOf(member.phone).length >= 6);
    if (!searchable.length || !withPhone.length) return;
    const linked = await this.db.manager.findBy(ImIdentityEntity, { memberId: In(withPhone.map((member) => member.id)) });
    const lookups = searchable.flatMap(({ name, capability }) =>
      withPhone
        .filter((member) => !linked.some((identity) => identity.platform === name && identity.memberId === member.id))
        .map((member) =>
          this.linkMemberByMobile(name as PlatformName, capability, member).catch((error: unknown) => {
            this.logger.warn({ err: error, platform: name, memberId: member.id }, 'mobile lookup failed');
          }),
        ),
    );
    await withTimeout(Promise.all(lookups), EMAIL_LOOKUP_WAIT_MS).catch(() => this.logger.debug('mobile lookups still running'));
  }

  private async linkMemberByMobile(platform: PlatformName, directory: UserDirectory, member: Member): Promise<void> {
    const missKey = `${platform}:tel:${digitsOf(member.phone!).slice(-11)}`;
    if ((this.emailMisses.get(missKey) ?? 0) > Date.now()) return;
    const profile = await directory.findUserByMobile!(member.phone!);
    if (!profile) {
      this.emailMisses.set(missKey, Date.now() + EMAIL_MISS_TTL_MS);
      return;
    }
    const existing = await this.db.manager.findOneBy(ImIdentityEntity, { platform, externalId: profile.externalId });
    if (existing) return;
    if (await this.blocks.isBlocked(platform, profile.externalId, member.id, presentIds(profile))) {
      this.emailMisses.set(missKey, Date.now() + EMAIL_MISS_TTL_MS);
      return;
    }
    await this.link(platform, profile.externalId, member.id, 'auto_mobile', profile);
  }

  canFindByEmail(platform: PlatformName): boolean {
    return Boolean(this.destinations.capability(platform, 'directory')?.findUserByEmail);
  }

  /**
   * Finds the platform's user with the member's email and links them. Null when the platform cannot search by email,
   * has nobody with it, or (automatic links only) that user already acts as another member.
   */
  async linkMemberByEmail(platform: PlatformName, member: Member, method: 'auto_email' | 'admin'): Promise<ImIdentity | null> {
    const directory = this.destinations.capability(platform, 'directory');
    if (!directory?.findUserByEmail || !member.email) return null;
    const missKey = `${platform}:${member.email.toLowerCase()}`;
    if (method === 'auto_email' && (this.emailMisses.get(missKey) ?? 0) > Date.now()) return null;
    const profile = await directory.findUserByEmail(member.email);
    if (!profile) {
      this.emailMisses.set(missKey, Date.now() + EMAIL_MISS_TTL_MS);
      return null;
    }
    this.emailMisses.delete(missKey);
    if (method === 'auto_email') {
      const existing = await this.db.manager.findOneBy(ImIdentityEntity, { platform, externalId: profile.externalId });
      if (existing) return existing.memberId === member.id ? existing : null;
      // Unlinked from this member by an admin: not linked, and not looked up again for a while (same answer).
      if (await this.blocks.isBlocked(platform, profile.externalId, member.id, presentIds(profile))) {
        this.emailMisses.set(missKey, Date.now() + EMAIL_MISS_TTL_MS);
        return null;
      }
    }
    return this.link(platform, profile.externalId, member.id, method, profile);
  }

  /**
   * An admin's "link by email/mobile": the platform's directory searched by the member's email, then by mobile.
   * Never takes an account already linked to another member, nor one an admin unlinked from this member (it runs
   * over many members at once, so it is no explicit link); lookups are not cached (unlike the automatic ones).
   */
  async linkMemberFromDirectory(platform: PlatformName, member: Member): Promise<{ identity: ImIdentity; by: 'email' | 'mobile' } | { reason: string }> {
    const directory = this.destinations.capability(platform, 'directory');
    if (!directory) return { reason: `${platform} is not enabled` };
    const searches: Array<['email' | 'mobile', (() => Promise<PlatformUserProfile | null>) | undefined]> = [
      ['email', member.email && directory.findUserByEmail ? () => directory.findUserByEmail!(member.email!) : undefined],
      ['mobile', member.phone && directory.findUserByMobile ? () => directory.findUserByMobile!(member.phone!) : undefined],
    ];
    if (!searches.some(([, search]) => search)) return { reason: 'no email or mobile this directory can be searched by' };
    let unlinked: string | undefined;
    for (const [by, search] of searches) {
      const profile = search ? await search() : null;
      if (!profile) continue;
      const existing = await this.db.manager.findOneBy(ImIdentityEntity, { platform, externalId: profile.externalId });
      if (existing) {
        if (existing.memberId === member.id) return { identity: existing, by };
        return { reason: `the ${platform} account with this ${by} is linked to another member` };
      }
      if (await this.blocks.isBlocked(platform, profile.externalId, member.id, presentIds(profile))) {
        unlinked = `the ${platform} account with this ${by} was unlinked from this member by an admin; only an explicit link (mapping or link code) links it again`;
        continue;
      }
      this.emailMisses.delete(`${platform}:${member.email?.toLowerCase()}`);
      return { identity: await this.link(platform, profile.externalId, member.id, by === 'email' ? 'auto_email' : 'auto_mobile', profile), by };
    }
    return { reason: unlinked ?? `no ${platform} account has this member's email or mobile` };
  }

  /** Links of the platform holding the primary id or any of the alternate ids, each with its member (one query). */
  private async identitiesOf(platform: PlatformName, externalId: string, ids: AlternateIds): Promise<IdentityWithMember[]> {
    return this.db.manager
      .createQueryBuilder(ImIdentityEntity, 'identity')
      .leftJoinAndMapOne('identity.member', MemberEntity.options.name, 'member', 'member.id = identity.memberId')
      .where('identity.platform = :platform', { platform })
      .andWhere(
        new Brackets((match) => {
          match.where('identity.externalId = :externalId', { externalId });
          if (ids.userId) match.orWhere('identity.userId = :userId', { userId: ids.userId });
          if (ids.unionId) match.orWhere('identity.unionId = :unionId', { unionId: ids.unionId });
        }),
      )
      .getMany();
  }

  /**
   * The account shows ids its link lacks (a link made by one id, or under another app's open_id): they are stored.
   * Such ids may have been mapped by an admin since; that newer mapping then decides the member.
   */
  private async learnIds(identity: IdentityWithMember, externalId: string, ids: AlternateIds): Promise<Member | null> {
    const changes: Partial<ImIdentity> = {};
    if (identity.externalId !== externalId) changes.externalId = externalId;
    if (ids.userId && identity.userId !== ids.userId) changes.userId = ids.userId;
    if (ids.unionId && identity.unionId !== ids.unionId) changes.unionId = ids.unionId;
    if (Object.keys(changes).length === 0) return identity.member ?? null;
    const mapping = await this.mappings.find(identity.platform, ids);
    if (mapping) Object.assign(changes, { memberId: mapping.memberId, linkedBy: 'admin' });
    await this.db.manager.update(ImIdentityEntity, { id: identity.id }, changes);
    await this.mappings.drop(identity.platform, ids);
    this.linkedMembers.forget(identity.platform, identity.externalId);
    this.linkedMembers.forget(identity.platform, externalId);
    if (!mapping) return identity.member ?? null;
    const member = await this.db.manager.findOneBy(MemberEntity, { id: mapping.memberId });
    if (member) await this.afterLinked(identity.platform, externalId, member);
    return member;
  }

  private async writeLink(platform: PlatformName, externalId: string, memberId: number, method: LinkMethod, ids: AlternateIds): Promise<{ identity: ImIdentity; member: Member }> {
    const member = await this.db.manager.findOneBy(MemberEntity, { id: memberId });
    if (!member) throw new AppError('validation', `memberId: member ${memberId} does not exist`);
    const values = { platform, externalId, unionId: ids.unionId ?? null, userId: ids.userId ?? null, memberId, linkedBy: method, createdAt: new Date() };
    let identity: ImIdentity;
    try {
      const inserted = await this.db.manager.insert(ImIdentityEntity, values);
      identity = { id: Number(inserted.identifiers[0].id), ...values };
    } catch (error) {
      if (!isUniqueViolation(error, IDENTITY_INDEX)) throw error;
      await this.db.manager.update(ImIdentityEntity, { platform, externalId }, { memberId, linkedBy: method, ...ids });
      identity = await this.db.manager.findOneByOrFail(ImIdentityEntity, { platform, externalId });
    } finally {
      this.linkedMembers.forget(platform, externalId);
    }
    // Mappings by these ids are superseded by this link.
    await this.mappings.drop(platform, ids);
    if (EXPLICIT_LINKS.has(method)) await this.blocks.lift(platform, externalId, memberId, ids);
    return { identity, member };
  }

  /** The account's newest pending action, carried out now that it is linked (at most once, by whoever claims it). */
  private async afterLinked(platform: PlatformName, externalId: string, member: Member): Promise<void> {
    if (!this.linkedListener) return;
    const pendingAction = await this.codes.takePendingAction(platform, externalId);
    if (!pendingAction) return;
    await this.linkedListener({ platform, externalId, member, pendingAction }).catch((error: unknown) => {
      this.logger.warn({ err: error, platform, action: pendingAction.action, incidentId: pendingAction.incidentId }, 'pending action not carried out');
    });
  }

  private async autoLink(platform: PlatformName, externalId: string, ids: AlternateIds): Promise<Member | null> {
    const directory = this.destinations.capability(platform, 'directory');
    if (!directory) return null;
    let profile: PlatformUserProfile | null;
    try {
      profile = await withTimeout(directory.lookupUser(externalId), LOOKUP_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ err: error, platform }, 'user lookup failed; treating the user as unlinked');
      return null;
    }
    if (!profile) return null;
    const blocked = await this.blocks.blockedMembers(platform, externalId, presentIds({ userId: profile.userId ?? ids.userId, unionId: profile.unionId ?? ids.unionId }));
    const members = (await this.db.manager.find(MemberEntity)).filter((member) => !blocked.has(member.id));
    const byEmail = profile.email ? members.find((member) => member.email?.toLowerCase() === profile.email!.toLowerCase()) : undefined;
    const byPhone = !byEmail && profile.mobile ? members.find((member) => member.phone && samePhone(member.phone, profile.mobile!)) : undefined;
    const member = byEmail ?? byPhone;
    if (!member) return null;
    await this.link(platform, externalId, member.id, byEmail ? 'auto_email' : 'auto_mobile', { userId: profile.userId ?? ids.userId, unionId: profile.unionId ?? ids.unionId });
    return member;
  }
}

const alternatesOf = (code: LinkCode): AlternateIds => presentIds({ userId: code.userId ?? undefined, unionId: code.unionId ?? undefined });
