import type { Database } from '../../db/database.js';
import { BotDeliveryEntity, type BotDelivery } from '../../db/entities/bot-delivery.entity.js';
import { WebhookBotEntity, type WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { Logger } from '../../lib/logger.js';
import { backoff } from '../../lib/retry.js';
import type { BotFailureFallback } from './bot-failure-fallback.js';
import type { BotNotice, BotSendResult, WebhookBotSending } from '../ports/webhook-bots.js';

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
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly sending: WebhookBotSending,
    private readonly fallback: BotFailureFallback,
    private readonly logger: Logger,
    private readonly retry: BotRetryOptions = DEFAULT_BOT_RETRY,
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

  private async run(bot: WebhookBot, notice: BotNotice, about: BotDeliveryAbout, priority: number, attempts: number) {
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
    const id = Number(inserted.identifiers[0].id);
    let result: BotSendResult;
    for (let attempt = 1; ; attempt++) {
      result = await this.sending.send(bot.kind, bot, notice, { key: `bot:${bot.id}`, priority, attempts: 1 });
      const final = result.ok || !result.error.retryable || attempt >= attempts || this.closed;
      await this.record(id, attempt, result, final);
      if (final) break;
      // A rate limit is waited out by the sender (it holds the bot); other failures back off here.
      if (!result.ok && result.error.kind !== 'rate_limited') await new Promise((resolve) => setTimeout(resolve, backoff(attempt, this.retry.firstDelayMs, this.retry.maxDelayMs)));
    }
    await this.updateHealth(bot.id, result);
    const delivery = (await this.db.manager.findOneBy(BotDeliveryEntity, { id }))!;
    if (!result.ok) {
      this.logger.warn({ botId: bot.id, kind: bot.kind, incidentId: about.incidentId, event: about.event, attempts: result.attempts, errorKind: result.error.kind, code: result.error.code }, 'bot message not delivered');
      await this.fallback.deliveryFailed(bot, delivery).catch((error: unknown) => this.logger.error({ err: error, botId: bot.id }, 'bot failure fallback failed'));
    }
    return { delivery, result };
  }

  private async record(id: number, attempt: number, result: BotSendResult, final: boolean): Promise<void> {
    const answer = result.answer;
    await this.db.manager.update(BotDeliveryEntity, id, {
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
