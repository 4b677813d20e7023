import { LocalFailureWindows, type FailureCheck, type FailureLimits, type FailureWindows } from './failure-windows.js';
import type { Logger } from './logger.js';
import type { Redis } from './redis.js';
import { RedisFailureWindows } from './redis-failure-windows.js';
import { withTimeout } from './timeout.js';

/** How long a check waits for Redis before this process counts instead: a sign-in must not hang on Redis. */
export const SHARED_FAILURES_CALL_TIMEOUT_MS = 250;
/** After Redis failed a check, checks stay in this process this long before Redis is asked again. */
const RETRY_REDIS_AFTER_MS = 1000;

/**
 * The windows in Redis, shared by every instance; while Redis cannot answer (not connected, an error, too slow),
 * this process' own windows, so the limit still holds per instance, asking Redis again a second after each failure
 * (a stalled Redis costs one slow check a second, not every one). Each switch is logged once.
 */
export class SharedFailureWindows implements FailureWindows {
  private readonly shared: RedisFailureWindows;
  private readonly local = new LocalFailureWindows();
  private onRedis = true;
  private retryAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly callTimeoutMs = SHARED_FAILURES_CALL_TIMEOUT_MS,
  ) {
    this.shared = new RedisFailureWindows(redis);
  }

  async check(address: string, limits: FailureLimits, fail: boolean): Promise<FailureCheck> {
    if (!this.onRedis && Date.now() < this.retryAt) return this.local.check(address, limits, fail);
    try {
      if (this.redis.status !== 'ready') throw new Error(`Redis not connected (${this.redis.status})`);
      const answer = await withTimeout(this.shared.check(address, limits, fail), this.callTimeoutMs);
      if (!this.onRedis) {
        this.onRedis = true;
        this.logger.info('admin token failures counted on Redis again, shared with the other instances');
      }
      return answer;
    } catch (error) {
      this.retryAt = Date.now() + RETRY_REDIS_AFTER_MS;
      if (this.onRedis) {
        this.onRedis = false;
        this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Redis cannot count admin token failures: each instance counts its own until it can');
      }
      return this.local.check(address, limits, fail);
    }
  }
}
