import { waitOutHold, type KeyedHolds } from '../../lib/holds.js';
import { localPacing, type KeyedPacer, type Pacing, type RateLimitScope } from '../../lib/pacer.js';
import type { PacingModeName } from '../../lib/pacing-mode.js';
import { backoff } from '../../lib/retry.js';
import { PlatformError } from '../../services/ports/platform-error.js';
import type { BotAnswer, BotKindNeeds, BotMarkup, BotNotice, BotNoticeFactory, BotSendOptions, BotSendResult, BotTarget, WebhookBotSending } from '../../services/ports/webhook-bots.js';
import type { BotKind, BotKindName } from './bot-kind.js';
import { BOT_KINDS } from './bot-kinds.js';

export interface WebhookBotSenderOptions {
  /** One request gives up after this long (a webhook that never answers must not hold the bot's queue forever). */
  timeoutMs?: number;
  /** Backoff between tries of a transient failure (a rate limit waits what the platform asks, else this too). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** Makes the per-bot pacers and holds (shared by the instances when Redis is configured); per process by default. */
  pacing?: Pacing;
  /** Told of each call held back (metrics): by the bot's pacing (`chat`), its rate-limit answer (`retry_after`) or its hold (`held`). */
  onHold?: (kind: BotKindName, scope: RateLimitScope, where: PacingModeName) => void;
}

/**
 * Posts notices to group bots, one kind's request at a time. Every bot has its own queue paced under its kind's
 * limits (Pacer), so a storm waits rather than being refused; a rate-limit answer holds back the whole bot until
 * the time the platform named (Telegram's retry_after, Slack's Retry-After …) — on every instance when Redis is
 * configured — and the refused message is sent again after it, never dropped.
 */
export class WebhookBotSender implements WebhookBotSending {
  private readonly secondPacers = new Map<BotKindName, KeyedPacer>();
  private readonly minutePacers = new Map<BotKindName, KeyedPacer>();
  /** Per kind, keyed like its pacers (the bot's key). */
  private readonly held = new Map<BotKindName, KeyedHolds>();
  private readonly timeoutMs: number;
  private readonly retryBaseMs: number;
  private readonly retryCapMs: number;
  private readonly onHold: NonNullable<WebhookBotSenderOptions['onHold']>;

  constructor(options: WebhookBotSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryCapMs = options.retryCapMs ?? 10_000;
    this.onHold = options.onHold ?? (() => {});
    const pacing = options.pacing ?? localPacing;
    for (const kind of Object.values(BOT_KINDS)) {
      const paced = (where: PacingModeName) => this.onHold(kind.name, 'chat', where);
      this.secondPacers.set(kind.name, pacing.pacer(`bot:${kind.name}:second`, kind.pacing.perSecond.rate, kind.pacing.perSecond.burst, paced));
      this.held.set(kind.name, pacing.holds(`bot:${kind.name}`));
      if (kind.pacing.perMinute) this.minutePacers.set(kind.name, pacing.pacer(`bot:${kind.name}:minute`, kind.pacing.perMinute.rate, kind.pacing.perMinute.burst, paced));
    }
  }

  needs(kindName: BotKindName): BotKindNeeds {
    const kind = BOT_KINDS[kindName];
    return { secret: kind.needs.secret === true, chatId: kind.needs.chatId === true, keyword: kind.keyword, digestItems: kind.digestItems };
  }

  markup(kindName: BotKindName): BotMarkup {
    return BOT_KINDS[kindName].markup;
  }

  async send(kindName: BotKindName, target: BotTarget, given: BotNotice | BotNoticeFactory, options: BotSendOptions): Promise<BotSendResult> {
    const kind = BOT_KINDS[kindName];
    let chosen: BotNotice | undefined;
    const notice = () => (chosen ??= typeof given === 'function' ? given((candidate) => kind.fits(target, candidate)) : given);
    const attempts = Math.max(1, options.attempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.sendOnce(kind, target, notice, options);
      if (!outcome.error) return { ok: true, answer: outcome.answer!, attempts: attempt };
      const { error } = outcome;
      if (error.kind === 'rate_limited') {
        const where = await this.held.get(kind.name)!.hold(options.key, error.retryAfterMs ?? backoff(attempt, this.retryBaseMs, this.retryCapMs));
        this.onHold(kindName, 'retry_after', where);
      }
      if (!error.retryable || attempt >= attempts) return { ok: false, error, answer: outcome.answer, attempts: attempt };
      if (error.kind !== 'rate_limited') await new Promise((resolve) => setTimeout(resolve, backoff(attempt, this.retryBaseMs, this.retryCapMs)));
    }
  }

  private async sendOnce(kind: BotKind, target: BotTarget, notice: () => BotNotice, options: BotSendOptions): Promise<{ answer?: BotAnswer; error?: PlatformError }> {
    const held = this.held.get(kind.name)!;
    const waited = (where: PacingModeName) => this.onHold(kind.name, 'held', where);
    await waitOutHold(held, options.key, waited);
    await this.minutePacers.get(kind.name)?.wait(options.key, options.priority);
    await this.secondPacers.get(kind.name)!.wait(options.key, options.priority);
    // A hold made while this call waited in the queue applies to it too.
    await waitOutHold(held, options.key, waited);
    const request = kind.request(target, notice(), Date.now());
    let response: Response;
    let answer: BotAnswer;
    try {
      response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: AbortSignal.timeout(this.timeoutMs) });
      answer = { status: response.status, body: await response.text() };
    } catch (error) {
      // Never the URL in the message: it carries the bot's token.
      const reason = (error as Error)?.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : 'unreachable';
      return { error: new PlatformError(`bot:${kind.name}`, 'transient', undefined, `${kind.name} bot: ${reason}`) };
    }
    // Classified on the whole answer (Telegram echoes the message back: a cut one would not parse), kept cut.
    const error = kind.classify(answer, response.headers);
    const kept = { status: answer.status, body: answer.body.slice(0, 2000) };
    return error ? { answer: kept, error } : { answer: kept };
  }
}
