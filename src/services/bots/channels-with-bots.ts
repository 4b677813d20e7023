import type { Database } from '../../db/database.js';
import { WebhookBotEntity } from '../../db/entities/webhook-bot.entity.js';

/** How long a loaded answer is kept: a bot saved on another instance is heard of within this long. */
export const CHANNELS_WITH_BOTS_TTL_MS = 2_000;

/**
 * Which channels have an enabled group bot, read in one query and kept briefly: every incident event asks, and most
 * channels have no bot, so the answer must not cost a query per alert. Bot changes made through this instance are
 * seen at once (invalidate()).
 */
export class ChannelsWithBots {
  private cached?: { channelIds: Promise<Set<number>>; until: number };

  constructor(
    private readonly db: Database,
    private readonly ttlMs = CHANNELS_WITH_BOTS_TTL_MS,
  ) {}

  async has(channelId: number): Promise<boolean> {
    if (!this.cached || this.cached.until <= Date.now()) {
      const channelIds = this.load();
      this.cached = { channelIds, until: Date.now() + this.ttlMs };
      // A failed load is not kept: the next question tries again.
      channelIds.catch(() => (this.cached = undefined));
    }
    return (await this.cached.channelIds).has(channelId);
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<Set<number>> {
    const rows = await this.db.manager
      .createQueryBuilder(WebhookBotEntity, 'bot')
      .select('DISTINCT bot.channelId', 'channelId')
      .where('bot.enabled = :enabled', { enabled: true })
      .getRawMany<{ channelId: number | string }>();
    return new Set(rows.map((row) => Number(row.channelId)));
  }
}
