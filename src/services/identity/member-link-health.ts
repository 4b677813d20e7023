import { In } from 'typeorm';
import { ImIdentityEntity } from '../../db/entities/im-identity.entity.js';
import { MemberEntity, type Member } from '../../db/entities/member.entity.js';
import type { Database } from '../../db/database.js';
import { PLATFORM_NAMES, type PlatformName } from '../../domain/platform-name.js';
import { AppError } from '../../lib/errors.js';
import { forEachBounded } from '../../lib/for-each-bounded.js';
import { isPlatformError } from '../ports/platform-error.js';
import type { DestinationRegistry } from '../registry/destination-registry.js';
import type { IdentityService } from './identity.service.js';

export interface UnlinkedMember {
  memberId: number;
  name: string;
  email: string | null;
  phone: string | null;
}

export interface PlatformLinkHealth {
  platform: PlatformName;
  /** The app is configured on this instance. */
  enabled: boolean;
  /** Its directory can be searched by email / mobile (what auto-link needs). */
  searchableBy: Array<'email' | 'mobile'>;
  unlinked: UnlinkedMember[];
}

export interface AutoLinkReport {
  linked: Array<{ memberId: number; platform: PlatformName; externalId: string; by: 'email' | 'mobile' }>;
  notFound: Array<{ memberId: number; platform: PlatformName; reason: string }>;
}

/** Directory lookups at once: the platforms rate-limit them per app. */
const LOOKUPS_AT_ONCE = 3;

/** Which members have no account on each IM, and the one-click "link by email/mobile" over them. */
export class MemberLinkHealth {
  constructor(
    private readonly db: Database,
    private readonly destinations: DestinationRegistry,
    private readonly identities: IdentityService,
  ) {}

  async health(): Promise<{ platforms: PlatformLinkHealth[] }> {
    const [members, identities] = await Promise.all([
      this.db.manager.find(MemberEntity, { order: { id: 'ASC' } }),
      this.db.manager.find(ImIdentityEntity, { select: { platform: true, memberId: true } }),
    ]);
    return {
      platforms: PLATFORM_NAMES.map((platform) => {
        const linked = new Set(identities.filter((identity) => identity.platform === platform).map((identity) => identity.memberId));
        return {
          platform,
          enabled: this.enabled(platform),
          searchableBy: this.searchableBy(platform),
          unlinked: members.filter((member) => !linked.has(member.id)).map(unlinkedView),
        };
      }),
    };
  }

  /** Searches each enabled directory (or `platform`'s) for the members given (default: every unlinked one) and links what it finds. */
  async autoLink(request: { platform?: PlatformName; memberIds?: number[] }): Promise<AutoLinkReport> {
    if (request.platform && !this.enabled(request.platform)) throw new AppError('validation', `platform: ${request.platform} is not enabled on this service`);
    const platforms = request.platform ? [request.platform] : PLATFORM_NAMES.filter((platform) => this.enabled(platform));
    const members = request.memberIds
      ? await this.db.manager.findBy(MemberEntity, { id: In(request.memberIds) })
      : await this.db.manager.find(MemberEntity, { order: { id: 'ASC' } });
    const missing = (request.memberIds ?? []).filter((id) => !members.some((member) => member.id === id));
    if (missing.length) throw new AppError('validation', `memberIds: no member ${missing.join(', ')}`);
    const identities = members.length ? await this.db.manager.findBy(ImIdentityEntity, { memberId: In(members.map((member) => member.id)) }) : [];
    const work = platforms.flatMap((platform) =>
      members.filter((member) => !identities.some((identity) => identity.platform === platform && identity.memberId === member.id)).map((member) => ({ platform, member })),
    );
    const report: AutoLinkReport = { linked: [], notFound: [] };
    await forEachBounded(work, LOOKUPS_AT_ONCE, async ({ platform, member }) => {
      try {
        const result = await this.identities.linkMemberFromDirectory(platform, member);
        if ('identity' in result) report.linked.push({ memberId: member.id, platform, externalId: result.identity.externalId, by: result.by });
        else report.notFound.push({ memberId: member.id, platform, reason: result.reason });
      } catch (error) {
        report.notFound.push({ memberId: member.id, platform, reason: isPlatformError(error) ? `lookup failed (${error.kind}${error.code === undefined ? '' : ` ${error.code}`}): ${error.message.slice(0, 200)}` : 'lookup failed' });
      }
    });
    const order = (a: { memberId: number; platform: string }, b: { memberId: number; platform: string }) => a.memberId - b.memberId || a.platform.localeCompare(b.platform);
    report.linked.sort(order);
    report.notFound.sort(order);
    return report;
  }

  private enabled(platform: PlatformName): boolean {
    return this.destinations.names().includes(platform);
  }

  private searchableBy(platform: PlatformName): Array<'email' | 'mobile'> {
    const directory = this.destinations.capability(platform, 'directory');
    return [...(directory?.findUserByEmail ? (['email'] as const) : []), ...(directory?.findUserByMobile ? (['mobile'] as const) : [])];
  }
}

function unlinkedView(member: Member): UnlinkedMember {
  return { memberId: member.id, name: member.name, email: member.email, phone: member.phone };
}
