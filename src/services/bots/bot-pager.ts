import type { Database } from '../../db/database.js';
import { BotDeliveryEntity } from '../../db/entities/bot-delivery.entity.js';
import type { Incident } from '../../db/entities/incident.entity.js';
import type { Member } from '../../db/entities/member.entity.js';
import { WebhookBotEntity, type WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import { PlatformError } from '../ports/platform-error.js';
import { BOT_PRIORITY, type BotDeliveries } from './bot-deliveries.js';
import { botMentions } from './bot-mentions.js';
import type { BotMappingTableService } from './bot-mapping-tables.service.js';
import { builtInBotMessages, type BotMessages } from './bot-messages.js';

export interface BotPage {
  incident: Incident;
  channelName: string;
  detailsUrl: string;
  levelNumber: number;
  members: Member[];
  /** The message's idempotency key (incident, escalation run, step, target). */
  key: string;
}

/**
 * Escalation pages through group bots, for the escalation notifier's at-least-once delivery: a failure is thrown (a
 * PlatformError: retryable ones come back through the sweep, final ones end up as not_reached), and a page whose
 * message already went out under its key is not sent again. Bots have no dedupe key of their own, so that record is
 * what keeps a page delivered again from reaching the group twice.
 */
export class BotPager {
  constructor(
    private readonly db: Database,
    private readonly deliveries: BotDeliveries,
    private readonly mappings: BotMappingTableService,
    private readonly messages: BotMessages = builtInBotMessages,
  ) {}

  async bots(ids: number[]): Promise<WebhookBot[]> {
    return ids.length ? this.db.manager.find(WebhookBotEntity, { where: ids.map((id) => ({ id })) }) : [];
  }

  async page(botId: number, page: BotPage): Promise<void> {
    const bot = await this.db.manager.findOneBy(WebhookBotEntity, { id: botId });
    if (!bot) throw new PlatformError('webhook-bot', 'target_gone', 'deleted', `bot ${botId} was deleted`);
    if (!bot.enabled) throw new PlatformError('webhook-bot', 'target_gone', 'disabled', `bot ${botId} is disabled`);
    if (await this.db.manager.existsBy(BotDeliveryEntity, { pageKey: page.key, status: 'sent' })) return;
    const { incident } = page;
    const facts = { incidentId: incident.id, title: incident.title, severity: incident.severity, status: incident.status, channelName: page.channelName, detailsUrl: page.detailsUrl };
    const emails = page.members.flatMap((member) => (member.email ? [member.email] : []));
    const mapped = bot.mappingTableId && emails.length ? await this.mappings.userIds(bot.mappingTableId, emails) : undefined;
    const notice = await this.messages.notice({ kind: bot.kind, channelId: incident.channelId, event: 'page', facts, mentions: botMentions(bot, page.members, mapped), level: page.levelNumber });
    // Two tries here; what still fails goes back to the escalation's own retries (the sweep, with backoff).
    const { result } = await this.deliveries.deliver(bot, notice, { incidentId: incident.id, event: 'escalation', pageKey: page.key }, { priority: BOT_PRIORITY.page, attempts: 2 });
    if (!result.ok) throw result.error;
  }
}
