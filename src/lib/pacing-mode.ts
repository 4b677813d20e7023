import type { Logger } from './logger.js';
import type { Redis } from './redis.js';

export type PacingModeName = 'shared' | 'local';

/** After Redis failed a pacing call, calls pace in this process for at least this long before Redis is tried again. */
const RETRY_SHARED_AFTER_MS = 1000;

/**
 * Whether this instance paces on Redis (shared with the other instances) or in its own process, for all its pacers
 * at once. Redis not connected, or a call that failed or did not answer in time, switches to the process; the first
 * call that works on Redis again switches back. Each switch is logged once and told to `onSwitch` (metrics).
 */
export class PacingMode {
  /** Shared from the start when Redis answered at start; else from the first call that works on it. */
  private shared: boolean;
  private retryAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly onSwitch: (mode: PacingModeName) => void,
    private readonly retryAfterMs = RETRY_SHARED_AFTER_MS,
  ) {
    this.shared = redis.status === 'ready';
  }

  get current(): PacingModeName {
    return this.shared ? 'shared' : 'local';
  }

  /** Whether a call should ask Redis now. */
  tryShared(): boolean {
    if (this.redis.status !== 'ready') {
      this.failed(new Error(`Redis not connected (${this.redis.status})`));
      return false;
    }
    return this.shared || Date.now() >= this.retryAt;
  }

  succeeded(): void {
    if (this.shared) return;
    this.shared = true;
    this.logger.info('rate limits paced on Redis again, shared with the other instances');
    this.onSwitch('shared');
  }

  failed(error: unknown): void {
    this.retryAt = Date.now() + this.retryAfterMs;
    if (!this.shared) return;
    this.shared = false;
    this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Redis cannot pace calls: each instance paces its own calls until it can');
    this.onSwitch('local');
  }
}
