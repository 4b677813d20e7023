import type { Database } from '../../db/database.js';
import { BotDeliveryEntity, type BotDelivery } from '../../db/entities/bot-delivery.entity.js';
import { WebhookBotEntity, type WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { Logger } from '../../lib/logger.js';
import { backoff } from '../../lib/retry.js';
import type { BotFailureFallback } from './bot-failure-fallback.js';
import type { BotNotice, BotNoticeFactory, BotNoticeItem, BotSendResult, WebhookBotSending } from '../ports/webhook-bots.js';
import { BotNoticeQueue, batchNotice, type QueuedNotice } from './bot-notice-queue.js';
import { builtInBotMessages, type BotMessages } from './bot-messages.js';
import { In } from 'typeorm';

/** What a message is for: an incident's event, a test (no incident), or an escalation page (with its key). */
export interface BotDeliveryAbout {
  incidentId: number | null;
  event: string;
  pageKey?: string;
}

export interface BotRetryOptions {
  /** Tries in all for a retryable failure (rate limited, unreachable, server error). */
  attempts: number;
  /** Backoff before the next try, doubling up to maxDelayMs, jittered down to half (a rate limit waits what it says). */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BOT_RETRY: BotRetryOptions = { attempts: 6, firstDelayMs: 2_000, maxDelayMs: 60_000 };

/** Pages first: a page waiting for a bot overtakes the subscription notices queued for it. */
export const BOT_PRIORITY = { page: 0, notice: 1 } as const;

/** The answer's body as kept on the record: at most 2000 characters. */
const ANSWER_CHARS = 2000;

/**
 * Sends one message to a bot and records it: a row per message (incident, event) updated with every try, the
 * platform's last answer, and the bot's health. A retryable failure is tried again after a backoff (the sender holds
 * the whole bot for as long as a rate limit asks); one that cannot succeed, or that exhausted its tries, is final and
 * goes to the failure fallback.
 */
export class BotDeliveries {
  private readonly running = new Set<Promise<unknown>>();
  private readonly queue = new BotNoticeQueue();
  /** Bots whose queue is being sent now (one drain per bot). */
  private readonly workers = new Set<number>();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly sending: WebhookBotSending,
    private readonly fallback: BotFailureFallback,
    private readonly logger: Logger,
    private readonly retry: BotRetryOptions = DEFAULT_BOT_RETRY,
    private readonly messages: BotMessages = builtInBotMessages,
  ) {}

  /** Sends and resolves with the final record and the last result. */
  deliver(bot: WebhookBot, notice: BotNotice, about: BotDeliveryAbout, options: { priority?: number; attempts?: number } = {}): Promise<{ delivery: BotDelivery; result: BotSendResult }> {
    const work = this.run(bot, notice, about, options.priority ?? BOT_PRIORITY.notice, options.attempts ?? this.retry.attempts);
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => undefined);
    return work;
  }

  /** Waits for the deliveries running now (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** Shutdown: no further tries start (one under way still ends and is recorded). */
  close(): void {
    this.closed = true;
  }

  /**
   * A channel event's notice, coalesced with the others waiting for the same bot when it is its turn (see
   * BotNoticeQueue); each keeps its own record. Resolves once it is queued; idle() waits for the sending.
   */
  async enqueue(bot: WebhookBot, notice: BotNotice, item: BotNoticeItem, channelName: string, about: BotDeliveryAbout): Promise<void> {
    const deliveryId = await this.insertRecord(bot, about);
    this.queue.push({ bot, notice, item, channelName, deliveryId });
    if (this.workers.has(bot.id)) return;
    this.workers.add(bot.id);
    const work = this.drain(bot.id);
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch((error: unknown) => this.logger.error({ err: error, botId: bot.id }, 'bot notice queue failed'));
  }

  /** Sends the bot's queued notices batch by batch until none is left. */
  private async drain(botId: number): Promise<void> {
    try {
      while (this.queue.size(botId) > 0) await this.sendBatch(botId);
    } finally {
      // In the same turn as the last look at the queue: a notice queued after it starts a new drain.
      this.workers.delete(botId);
    }
  }

  private async sendBatch(botId: number): Promise<void> {
    const bot = this.queue.peek(botId)!.bot;
    let batch: QueuedNotice[] = [];
    let notice: BotNotice | undefined;
    // Called when the bot's turn has come: whatever queued up while it waited joins the batch.
    // The largest batch (up to the kind's maximum) whose message is within the kind's size limits.
    const pick = (fits: (candidate: BotNotice) => boolean) => {
      if (!notice) {
        let count = Math.min(this.queue.size(botId), this.sending.needs(bot.kind).digestItems);
        while (count > 1 && !fits(batchNotice(this.queue.first(botId, count), this.messages.digestTitle))) count -= 1;
        batch = this.queue.take(botId, count);
        notice = batchNotice(batch, this.messages.digestTitle);
      }
      return notice;
    };
    const result = await this.sendWithRetries(bot, pick, BOT_PRIORITY.notice, this.retry.attempts, (attempt, outcome, final) =>
      batch.length ? this.record(batch.map((entry) => entry.deliveryId), attempt, outcome, final) : Promise.resolve(),
    );
    if (batch.length === 0) return;
    await this.updateHealth(bot.id, result);
    if (!result.ok) {
      for (const entry of batch) await this.failed(bot, entry.deliveryId, result);
    }
  }

  private async sendWithRetries(
    bot: WebhookBot,
    notice: BotNotice | BotNoticeFactory,
    priority: number,
    attempts: number,
    onTry: (attempt: number, result: BotSendResult, final: boolean) => Promise<void>,
  ): Promise<BotSendResult> {
    for (let attempt = 1; ; attempt++) {
      const result = await this.sending.send(bot.kind, bot, notice, { key: `bot:${bot.id}`, priority, attempts: 1 });
      const final = result.ok || !result.error.retryable || attempt >= attempts || this.closed;
      await onTry(attempt, result, final);
      if (final) return result;
      // A rate limit is waited out by the sender (it holds the bot); other failures back off here.
      if (!result.ok && result.error.kind !== 'rate_limited') await new Promise((resolve) => setTimeout(resolve, backoff(attempt, this.retry.firstDelayMs, this.retry.maxDelayMs)));
    }
  }

  private async failed(bot: WebhookBot, deliveryId: number, result: BotSendResult & { ok: false }): Promise<void> {
    const delivery = (await this.db.manager.findOneBy(BotDeliveryEntity, { id: deliveryId }))!;
    this.logger.warn({ botId: bot.id, kind: bot.kind, incidentId: delivery.incidentId, event: delivery.event, attempts: result.attempts, errorKind: result.error.kind, code: result.error.code }, 'bot message not delivered');
    await this.fallback.deliveryFailed(bot, delivery).catch((error: unknown) => this.logger.error({ err: error, botId: bot.id }, 'bot failure fallback failed'));
  }

  private async insertRecord(bot: WebhookBot, about: BotDeliveryAbout): Promise<number> {
    const now = new Date();
    const inserted = await this.db.manager.insert(BotDeliveryEntity, {
      botId: bot.id,
      incidentId: about.incidentId,
      event: about.event,
      status: 'sending',
      attempts: 0,
      answerStatus: null,
      answer: null,
      errorKind: null,
      pageKey: about.pageKey ?? null,
      createdAt: now,
      updatedAt: now,
    });
    return Number(inserted.identifiers[0].id);
  }

  private async run(bot: WebhookBot, notice: BotNotice, about: BotDeliveryAbout, priority: number, attempts: number) {
    const id = await this.insertRecord(bot, about);
    const result = await this.sendWithRetries(bot, notice, priority, attempts, (attempt, outcome, final) => this.record([id], attempt, outcome, final));
    await this.updateHealth(bot.id, result);
    if (!result.ok) await this.failed(bot, id, result);
    const delivery = (await this.db.manager.findOneBy(BotDeliveryEntity, { id }))!;
    return { delivery, result };
  }

  private async record(ids: number[], attempt: number, result: BotSendResult, final: boolean): Promise<void> {
    const answer = result.answer;
    await this.db.manager.update(BotDeliveryEntity, { id: In(ids) }, {
      status: result.ok ? 'sent' : final ? 'failed' : 'retrying',
      attempts: attempt,
      answerStatus: answer?.status ?? null,
      answer: answer ? answer.body.slice(0, ANSWER_CHARS) : result.ok ? null : result.error.message.slice(0, ANSWER_CHARS),
      errorKind: result.ok ? null : result.error.kind,
      updatedAt: new Date(),
    });
  }

  private async updateHealth(botId: number, result: BotSendResult): Promise<void> {
    const now = new Date();
    if (result.ok) {
      await this.db.manager.update(WebhookBotEntity, botId, { lastSuccessAt: now, consecutiveFailures: 0 });
      return;
    }
    await this.db.manager
      .createQueryBuilder()
      .update(WebhookBotEntity)
      .set({ lastErrorAt: now, lastError: `${result.error.kind}: ${result.error.message}`.slice(0, 500), consecutiveFailures: () => 'consecutive_failures + 1' })
      .where('id = :id', { id: botId })
      .execute();
  }
}
