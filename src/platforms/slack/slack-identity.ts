import type { Logger } from '../../lib/logger.js';
import { backoff } from '../../lib/retry.js';
import type { PlatformError } from '../../services/ports/platform-error.js';
import type { SlackApi, SlackBotIdentity } from './slack-api.js';

export const DEFAULT_IDENTITY_RETRY = { firstDelayMs: 1000, maxDelayMs: 60_000 };
/** A request from Slack hints that it is reachable again: try at once, but not more often than this. */
const NUDGE_SPACING_MS = 1000;

/**
 * The bot's own user id (auth.test), learnt in the background and kept once an answer came. Bolt's own start-up
 * auth.test would be made once, with no timeout, and its failure kept for good: a Slack that is down or hanging at
 * start would fail every later command, click and event. Here start-up never waits for Slack, a failed attempt is
 * tried again with backoff (sooner when a request from Slack arrives), and only what is needed waits for the answer:
 * commands and clicks need no identity at all, the bot's own join/leave events do.
 */
export class SlackIdentity {
  private known?: SlackBotIdentity;
  private attempt = 0;
  private trying?: Promise<void>;
  private lastTryEndedAt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly waiters = new Set<(identity: SlackBotIdentity) => void>();

  constructor(
    private readonly api: SlackApi,
    private readonly logger: Logger,
    private readonly retry = DEFAULT_IDENTITY_RETRY,
  ) {}

  /** Starts learning the identity; returns at once. */
  start(): void {
    if (!this.known && !this.trying) this.tryNow();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  current(): SlackBotIdentity | undefined {
    return this.known;
  }

  /** Tries now, unless the identity is known, an attempt is running, or one ended just now. */
  nudge(): void {
    if (this.known || this.trying || this.stopped || Date.now() - this.lastTryEndedAt < NUDGE_SPACING_MS) return;
    clearTimeout(this.timer);
    this.tryNow();
  }

  /** The identity, waiting at most `ms` for it; undefined when it is still not known by then. */
  async within(ms: number): Promise<SlackBotIdentity | undefined> {
    if (this.known) return this.known;
    this.nudge();
    let waiter: ((identity: SlackBotIdentity) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<SlackBotIdentity | undefined>((resolve) => {
        waiter = resolve;
        this.waiters.add(waiter);
        timer = setTimeout(() => resolve(undefined), ms);
      });
    } finally {
      if (waiter) this.waiters.delete(waiter);
      clearTimeout(timer);
    }
  }

  private tryNow(): void {
    this.timer = undefined;
    this.trying = this.api
      .authTest()
      .then(
        (identity) => {
          this.known = identity;
          this.logger.info({ botUserId: identity.botUserId, attempts: this.attempt + 1 }, 'slack bot identity known');
          for (const waiter of this.waiters) waiter(identity);
        },
        (error: PlatformError) => {
          this.attempt += 1;
          if (this.stopped) return;
          const delayMs = Math.round(backoff(this.attempt, this.retry.firstDelayMs, this.retry.maxDelayMs));
          const fields = { kind: error.kind, slackError: error.code, attempt: this.attempt, delayMs };
          if (error.kind === 'auth') this.logger.error(fields, 'slack bot token refused by auth.test; trying again later');
          else this.logger.warn(fields, 'slack auth.test failed; trying again later');
          this.timer = setTimeout(() => this.tryNow(), delayMs);
          this.timer.unref();
        },
      )
      .finally(() => {
        this.trying = undefined;
        this.lastTryEndedAt = Date.now();
      });
  }
}
