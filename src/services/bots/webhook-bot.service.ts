import type { Database } from '../../db/database.js';
import { BotDeliveryEntity, type BotDelivery } from '../../db/entities/bot-delivery.entity.js';
import { BotMappingTableEntity } from '../../db/entities/bot-mapping.entity.js';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { WebhookBotEntity, type WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { BotEvent, BotKindName } from '../../domain/bot-kind-name.js';
import { AppError } from '../../lib/errors.js';
import type { WebhookBotSending } from '../ports/webhook-bots.js';
import type { ChannelsWithBots } from './channels-with-bots.js';
import { builtInBotMessages, type BotMessages } from './bot-messages.js';
import type { BotDeliveries } from './bot-deliveries.js';

export interface WebhookBotInput {
  name: string;
  kind: BotKindName;
  url: string;
  secret?: string | null;
  chatId?: string | null;
  keyword?: string | null;
  mappingTableId?: number | null;
  events: BotEvent[];
  enabled: boolean;
}

/** A bot as the API shows it: secrets left out (`hasSecret`, the URL's origin only). */
export interface WebhookBotView {
  id: number;
  channelId: number;
  name: string;
  kind: BotKindName;
  /** The webhook's origin only: the rest of the URL carries the bot's token. */
  urlHint: string;
  hasSecret: boolean;
  chatId: string | null;
  keyword: string | null;
  mappingTableId: number | null;
  events: BotEvent[];
  enabled: boolean;
  health: { lastSuccessAt: Date | null; lastErrorAt: Date | null; lastError: string | null; consecutiveFailures: number };
  createdAt: Date;
  updatedAt: Date;
}

export interface BotTestOutcome {
  ok: boolean;
  attempts: number;
  /** What the platform answered (HTTP status and body), when it answered. */
  answer: { status: number; body: string } | null;
  error: { kind: string; code: string | number | null; message: string } | null;
}

export function webhookBotView(bot: WebhookBot): WebhookBotView {
  let urlHint = '';
  try {
    urlHint = `${new URL(bot.url).origin}/…`;
  } catch {
    urlHint = '…';
  }
  return {
    id: bot.id,
    channelId: bot.channelId,
    name: bot.name,
    kind: bot.kind,
    urlHint,
    hasSecret: Boolean(bot.secret),
    chatId: bot.chatId,
    keyword: bot.keyword,
    mappingTableId: bot.mappingTableId ?? null,
    events: bot.events,
    enabled: bot.enabled,
    health: { lastSuccessAt: bot.lastSuccessAt, lastErrorAt: bot.lastErrorAt, lastError: bot.lastError, consecutiveFailures: bot.consecutiveFailures },
    createdAt: bot.createdAt,
    updatedAt: bot.updatedAt,
  };
}

/** Whether the channel's templates a bot will use write its keyword (Feishu / DingTalk refuse messages without it). */
export interface BotKeywordCheck {
  checkBotKeyword(channelId: number, kind: BotKindName, keyword: string | null | undefined, events: BotEvent[]): Promise<void>;
}

const noKeywordCheck: BotKeywordCheck = { checkBotKeyword: async () => undefined };

/** A channel's group bots: saved through the admin API, each checked against what its kind needs. */
export class WebhookBotService {
  constructor(
    private readonly db: Database,
    private readonly sending: WebhookBotSending,
    private readonly deliveries: BotDeliveries,
    private readonly channelsWithBots: ChannelsWithBots,
    private readonly messages: BotMessages = builtInBotMessages,
    private readonly keywords: BotKeywordCheck = noKeywordCheck,
  ) {}

  async list(channelId: number): Promise<WebhookBot[]> {
    await this.channel(channelId);
    return this.db.manager.find(WebhookBotEntity, { where: { channelId }, order: { id: 'ASC' } });
  }

  async get(id: number): Promise<WebhookBot> {
    const bot = await this.db.manager.findOneBy(WebhookBotEntity, { id });
    if (!bot) throw new AppError('not_found', `bot ${id} does not exist`);
    return bot;
  }

  async create(channelId: number, input: WebhookBotInput): Promise<WebhookBot> {
    await this.channel(channelId);
    this.check(input);
    await this.checkMappingTable(input);
    await this.keywords.checkBotKeyword(channelId, input.kind, input.keyword, input.events);
    const now = new Date();
    const inserted = await this.db.manager.insert(WebhookBotEntity, {
      channelId,
      name: input.name,
      kind: input.kind,
      url: input.url,
      secret: input.secret ?? null,
      chatId: input.chatId ?? null,
      keyword: input.keyword ?? null,
      mappingTableId: input.mappingTableId ?? null,
      events: input.events,
      enabled: input.enabled,
      lastSuccessAt: null,
      lastErrorAt: null,
      lastError: null,
      consecutiveFailures: 0,
      createdAt: now,
      updatedAt: now,
    });
    this.channelsWithBots.invalidate();
    return this.get(Number(inserted.identifiers[0].id));
  }

  /** Changes the given fields; a secret given as null is removed, one not given is kept. */
  async update(id: number, patch: Partial<WebhookBotInput>): Promise<WebhookBot> {
    const bot = await this.get(id);
    const merged: WebhookBotInput = { ...bot, ...patch };
    this.check(merged);
    await this.checkMappingTable(merged);
    await this.keywords.checkBotKeyword(bot.channelId, merged.kind, merged.keyword, merged.events);
    await this.db.manager.update(WebhookBotEntity, id, { ...patch, updatedAt: new Date() });
    this.channelsWithBots.invalidate();
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.db.manager.delete(WebhookBotEntity, { id });
    this.channelsWithBots.invalidate();
  }

  /** The bot's latest messages, newest first. */
  async deliveriesOf(id: number, limit = 50): Promise<BotDelivery[]> {
    await this.get(id);
    return this.db.manager.find(BotDeliveryEntity, { where: { botId: id }, order: { id: 'DESC' }, take: limit });
  }

  /** Sends a test message once (no retry: the admin sees the platform's answer at once) and reports the answer. */
  async test(id: number): Promise<BotTestOutcome> {
    const bot = await this.get(id);
    const channel = await this.channel(bot.channelId);
    const notice = await this.messages.notice({ kind: bot.kind, channelId: channel.id, event: 'test', facts: { incidentId: 0, title: '', severity: '', status: '', channelName: channel.name, detailsUrl: '' }, mentions: [] });
    const { result } = await this.deliveries.deliver(bot, notice, { incidentId: null, event: 'test' }, { attempts: 1 });
    return {
      ok: result.ok,
      attempts: result.attempts,
      answer: result.answer ?? null,
      error: result.ok ? null : { kind: result.error.kind, code: result.error.code ?? null, message: result.error.message },
    };
  }

  private check(input: WebhookBotInput): void {
    const needs = this.sending.needs(input.kind);
    if (needs.secret && !input.secret) throw new AppError('validation', `secret: a ${input.kind} bot needs one (${input.kind === 'zoom' ? 'the verification token' : 'its secret'})`);
    if (needs.chatId && !input.chatId) throw new AppError('validation', `chatId: a ${input.kind} bot needs the chat id`);
    if (!needs.chatId && input.chatId) throw new AppError('validation', `chatId: a ${input.kind} bot takes none`);
    if (!needs.keyword && input.keyword) throw new AppError('validation', `keyword: a ${input.kind} bot takes none (only feishu and dingtalk bots check a keyword)`);
  }

  /** A bot's mapping table must exist and hold user ids of the bot's IM. */
  private async checkMappingTable(input: WebhookBotInput): Promise<void> {
    if (!input.mappingTableId) return;
    const table = await this.db.manager.findOneBy(BotMappingTableEntity, { id: input.mappingTableId });
    if (!table) throw new AppError('validation', `mappingTableId: mapping table ${input.mappingTableId} does not exist`);
    if (table.kind !== input.kind) throw new AppError('validation', `mappingTableId: mapping table ${table.id} holds ${table.kind} user ids, not ${input.kind}`);
  }

  private async channel(channelId: number) {
    const channel = await this.db.manager.findOneBy(ChannelEntity, { id: channelId });
    if (!channel) throw new AppError('not_found', `channel ${channelId} does not exist`);
    return channel;
  }
}
