import type { Database } from '../../db/database.js';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import { WebhookBotEntity } from '../../db/entities/webhook-bot.entity.js';
import { BOT_EVENTS, type BotEvent } from '../../domain/bot-kind-name.js';
import type { Logger } from '../../lib/logger.js';
import type { IncidentChange, IncidentChangeFeed } from '../incidents/incident-change-feed.js';
import type { IncidentLinks } from '../incidents/incident-links.js';
import type { BotDeliveries } from './bot-deliveries.js';
import type { ChannelsWithBots } from './channels-with-bots.js';
import { builtInBotMessages, type BotMessages } from './bot-messages.js';

const isBotEvent = (kind: string): kind is BotEvent => (BOT_EVENTS as readonly string[]).includes(kind);

/**
 * Tells a channel's bots about the incident events each is subscribed to, from the change feed (after the change is
 * committed): one message per bot and event, linking the incident's Details page, recorded and retried by
 * BotDeliveries.
 */
export class BotSubscriptions {
  constructor(
    private readonly db: Database,
    private readonly deliveries: BotDeliveries,
    private readonly links: IncidentLinks,
    private readonly channelsWithBots: ChannelsWithBots,
    private readonly logger: Logger,
    private readonly messages: BotMessages = builtInBotMessages,
  ) {}

  attach(feed: IncidentChangeFeed): void {
    feed.subscribe((change) => {
      if (isBotEvent(change.kind)) void this.notify(change, change.kind).catch((error: unknown) => this.logger.error({ err: error, incidentId: change.incidentId }, 'bot notices failed'));
    });
  }

  private async notify(change: IncidentChange, event: BotEvent): Promise<void> {
    if (!(await this.channelsWithBots.has(change.channelId))) return;
    const bots = (await this.db.manager.findBy(WebhookBotEntity, { channelId: change.channelId, enabled: true })).filter((bot) => bot.events.includes(event));
    if (bots.length === 0) return;
    const [incident, channel] = await Promise.all([
      this.db.manager.findOneBy(IncidentEntity, { id: change.incidentId }),
      this.db.manager.findOneBy(ChannelEntity, { id: change.channelId }),
    ]);
    if (!incident) return;
    const facts = {
      incidentId: incident.id,
      title: incident.title,
      severity: incident.severity,
      status: incident.status,
      channelName: channel?.name ?? `channel ${change.channelId}`,
      detailsUrl: this.links.detailsUrl(incident.id),
    };
    // One message per kind: each kind has its own template and markup.
    const kinds = [...new Set(bots.map((bot) => bot.kind))];
    const notices = new Map(await Promise.all(kinds.map(async (kind) => [kind, await this.messages.notice({ kind, channelId: change.channelId, event, facts, mentions: [] })] as const)));
    const item = this.messages.item(event, facts);
    await Promise.all(bots.map((bot) => this.deliveries.enqueue(bot, notices.get(bot.kind)!, item, facts.channelName, { incidentId: incident.id, event })));
  }
}
