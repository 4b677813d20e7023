import { backoff } from '../../lib/retry.js';

export interface DingTalkStreamBackoffOptions {
  initialMs: number;
  maxMs: number;
}

const DEFAULTS: DingTalkStreamBackoffOptions = { initialMs: 1_000, maxMs: 30_000 };

/** The wait between connection attempts: growing while the gateway keeps refusing, cancellable by stop(). */
export class DingTalkStreamBackoff {
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;
  private cancelled = false;

  constructor(private readonly options: DingTalkStreamBackoffOptions = DEFAULTS) {}

  /** Resolves after the next delay, or at once when cancelled. */
  wait(): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    this.attempt += 1;
    const delay = backoff(this.attempt, this.options.initialMs, this.options.maxMs);
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wake = undefined;
        resolve();
      }, delay);
    });
  }

  /** A connection came up: the next drop starts again from the shortest wait. */
  reset(): void {
    this.attempt = 0;
  }

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wake?.();
    this.wake = undefined;
  }
}
