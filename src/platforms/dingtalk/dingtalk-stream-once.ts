import type { Deduper } from '../../lib/dedupe.js';

/**
 * How many message ids (answers and failures) are kept in memory. Re-deliveries come within about a minute, and an
 * answer is a card's data (a few KB), so this bounds the memory to a few MB.
 */
const REMEMBERED_IDS = 2_000;

/** A Map that forgets its oldest entries beyond `limit`. */
class RecentMap<V> extends Map<string, V> {
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: string, value: V): this {
    this.delete(key);
    super.set(key, value);
    if (this.size > this.limit) this.delete(this.keys().next().value as string);
    return this;
  }
}

/**
 * Runs a message's handler once, however often the gateway delivers it:
 *
 *   - a copy arriving while the first is being handled waits for it and shares its answer;
 *   - a copy arriving later gets the answer again (kept in memory), or a plain ack when the id was handled before a
 *     restart or by another instance (the shared deduper says so);
 *   - after a failed handler the message may run again when it comes back, since it was never acknowledged.
 *
 * The deduper only answers "first time?", so a failure is remembered here: a message whose handler failed and that
 * comes back to another instance, or after a restart, is acknowledged without running. That trade is taken so no
 * action can ever run twice.
 */
export class DingTalkStreamOnce {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly answers = new RecentMap<unknown>(REMEMBERED_IDS);
  private readonly failed = new RecentMap<true>(REMEMBERED_IDS);

  constructor(private readonly deduper: Deduper) {}

  /** Resolves with the answer to send in the ack; rejects when the message must stay unacknowledged. */
  run(messageId: string, handle: () => Promise<unknown>): Promise<unknown> {
    const running = this.inFlight.get(messageId);
    if (running) return running;
    const attempt = this.attempt(messageId, handle);
    this.inFlight.set(messageId, attempt);
    const forget = (): void => {
      this.inFlight.delete(messageId);
    };
    attempt.then(forget, forget);
    return attempt;
  }

  private async attempt(messageId: string, handle: () => Promise<unknown>): Promise<unknown> {
    if (this.answers.has(messageId)) return this.answers.get(messageId);
    const first = await this.deduper.firstSeen(`dingtalk:${messageId}`);
    if (!first && !this.failed.has(messageId)) return undefined;
    try {
      const answer = await handle();
      this.failed.delete(messageId);
      this.answers.set(messageId, answer);
      return answer;
    } catch (error) {
      this.failed.set(messageId, true);
      throw error;
    }
  }
}
