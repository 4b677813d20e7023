import { EscalationRuleEntity } from '../db/entities/escalation-rule.entity.js';
import type { Database } from '../db/database.js';

/** How stale another instance's view may be: a rule created elsewhere applies to incidents here within this. */
export const CHANNELS_WITH_RULES_TTL_MS = 3_000;

/**
 * Which channels have an enabled escalation rule, read in one query and kept briefly: every new incident asks, and
 * most channels have none, so the answer must not cost a locked transaction per alert. Rule changes made through
 * this instance are seen at once (invalidate()); those made on another instance within the TTL.
 */
export class ChannelsWithRules {
  private cached?: { channelIds: Promise<Set<number>>; until: number };

  constructor(
    private readonly db: Database,
    private readonly ttlMs = CHANNELS_WITH_RULES_TTL_MS,
  ) {}

  async has(channelId: number): Promise<boolean> {
    if (!this.cached || this.cached.until <= Date.now()) {
      const channelIds = this.load();
      this.cached = { channelIds, until: Date.now() + this.ttlMs };
      channelIds.catch(() => (this.cached = undefined));
    }
    return (await this.cached.channelIds).has(channelId);
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<Set<number>> {
    const rows = await this.db.manager
      .createQueryBuilder(EscalationRuleEntity, 'rule')
      .select('DISTINCT rule.channelId', 'channelId')
      .where('rule.enabled = :enabled', { enabled: true })
      .getRawMany<{ channelId: number | string }>();
    return new Set(rows.map((row) => Number(row.channelId)));
  }
}
