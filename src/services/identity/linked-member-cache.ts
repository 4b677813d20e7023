
import type { Member } from '../../db/entities/member.entity.js';
import type { PlatformName } from '../../domain/platform-name.js';

/**
 * Who an IM account acted as a moment ago: a burst of clicks by one person reads the link once. Only links are
 * kept (an unlinked account is looked up every time, so a new link works at once). Links changed by this process
 * are forgotten at once; a change made elsewhere (another instance, a renamed or removed member) shows within
 * `ttlMs`.
 */
export class LinkedMemberCache {
  /** Oldest first: a refreshed entry is moved to the end, so expired ones are always at the front. */
  private readonly entries = new Map<string, { member: Member; until: number }>();
  private forgets = 0;

  constructor(
    private readonly ttlMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  get(platform: PlatformName, externalId: string): Member | undefined {
    this.dropExpired();
    return this.entries.get(key(platform, externalId))?.member;
  }

  /** Pass to `set` what this said before the lookup began: a link changed meanwhile makes the lookup too old to keep. */
  stamp(): number {
    return this.forgets;
  }

  set(platform: PlatformName, externalId: string, member: Member, stamp: number): void {
    if (stamp !== this.forgets) return;
    const k = key(platform, externalId);
    this.entries.delete(k);
    this.entries.set(k, { member, until: this.now() + this.ttlMs });
  }

  forget(platform: PlatformName, externalId: string): void {
    this.forgets++;
    this.entries.delete(key(platform, externalId));
  }

  /** For a change whose accounts are not known by their primary id (a mapping by an alternate id). */
  forgetAll(): void {
    this.forgets++;
    this.entries.clear();
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [k, entry] of this.entries) {
      if (entry.until > now) break;
      this.entries.delete(k);
    }
  }
}

const key = (platform: PlatformName, externalId: string) => `${platform}:${externalId}`;
