import { EscalationRuleEntity } from '../../db/entities/escalation-rule.entity.js';
import type { Database } from '../../db/database.js';

/** How long a loaded answer is used as the first guess. */
export const CHANNELS_WITH_RULES_TTL_MS = 3_000;
/** Confirming loads start at most this often, however many incidents wait for one. */
export const CONFIRM_INTERVAL_MS = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Which channels have an enabled escalation rule, read in one query and kept briefly: every new incident asks, and
 * most channels have none, so the answer must not cost a locked transaction per alert. A kept "no" may be stale (a
 * rule just created on another instance), so it is only a guess until confirmed(): an answer from a load that began
 * after the question. Confirmations share loads, at most one per CONFIRM_INTERVAL_MS, so a storm costs a query or two
 * a second. Rule changes made through this instance are seen at once (invalidate()).
 */
export class ChannelsWithRules {
  private cached?: { channelIds: Promise<Set<number>>; until: number };
  private nextLoad?: Promise<Set<number>>;
  private lastLoadStartedAt = 0;

  constructor(
    private readonly db: Database,
    private readonly ttlMs = CHANNELS_WITH_RULES_TTL_MS,
    private readonly confirmIntervalMs = CONFIRM_INTERVAL_MS,
  ) {}

  /** The kept answer: a "yes" is acted on (the rule is read again under lock), a "no" needs confirmed(). */
  async has(channelId: number): Promise<boolean> {
    if (!this.cached || this.cached.until <= Date.now()) this.keep(this.load());
    return (await this.cached!.channelIds).has(channelId);
  }

  /** The answer of a load that starts after this call (shared with every caller waiting at the time). */
  async confirmed(channelId: number): Promise<boolean> {
    this.nextLoad ??= this.loadAfterInterval();
    return (await this.nextLoad).has(channelId);
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async loadAfterInterval(): Promise<Set<number>> {
    await sleep(Math.max(0, this.lastLoadStartedAt + this.confirmIntervalMs - Date.now()));
    // Whoever asks from now on needs a later load than this one.
    this.nextLoad = undefined;
    const loading = this.load();
    this.keep(loading);
    return loading;
  }

  private keep(channelIds: Promise<Set<number>>): void {
    const entry = { channelIds, until: Date.now() + this.ttlMs };
    this.cached = entry;
    channelIds.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
  }

  private async load(): Promise<Set<number>> {
    this.lastLoadStartedAt = Date.now();
    const rows = await this.db.manager
      .createQueryBuilder(EscalationRuleEntity, 'rule')
      .select('DISTINCT rule.channelId', 'channelId')
      .where('rule.enabled = :enabled', { enabled: true })
      .getRawMany<{ channelId: number | string }>();
    return new Set(rows.map((row) => Number(row.channelId)));
  }
}
