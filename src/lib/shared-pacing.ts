import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { KeyedHolds } from './holds.js';
import { localPacing, type KeyedPacer, type OnHold, type Pacing } from './pacer.js';
import { PacingMode, type PacingModeName } from './pacing-mode.js';
import type { Redis } from './redis.js';
import { SharedHolds, SharedHoldStore } from './shared-holds.js';
import { SHARED_PACING_CALL_TIMEOUT_MS, SharedPacer } from './shared-pacer.js';
import { SharedTokenBucket } from './shared-token-bucket.js';

/**
 * Pacers and holds shared by every instance on the same Redis, falling back to this process while Redis is away; without
 * Redis (the embedded default) every instance paces its own calls. `metrics` shows the mode and counts its switches.
 */
export function createPacing(redis: Redis | undefined, logger: Logger, metrics: Pick<Metrics, 'pacingMode'>): Pacing {
  if (!redis) {
    metrics.pacingMode('local', false);
    return localPacing;
  }
  const pacing = new SharedPacing(redis, logger, (mode) => metrics.pacingMode(mode));
  metrics.pacingMode(pacing.mode.current, false);
  return pacing;
}

export class SharedPacing implements Pacing {
  readonly mode: PacingMode;
  private readonly bucket: SharedTokenBucket;
  private readonly holdStore: SharedHoldStore;
  /** This instance among the waiters of a bucket. */
  private readonly waiter = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  private readonly callTimeoutMs?: number;

  constructor(redis: Redis, logger: Logger, onSwitch: (mode: PacingModeName) => void, options: { keyPrefix?: string; callTimeoutMs?: number } = {}) {
    this.mode = new PacingMode(redis, logger, onSwitch);
    this.bucket = new SharedTokenBucket(redis, options.keyPrefix);
    this.holdStore = new SharedHoldStore(redis, options.keyPrefix);
    this.callTimeoutMs = options.callTimeoutMs;
  }

  pacer(name: string, perSecond: number, burst = 1, onHold?: OnHold): KeyedPacer {
    return new SharedPacer(this.bucket, this.mode, name, { perSecond, burst: Math.max(1, burst) }, this.waiter, onHold, this.callTimeoutMs);
  }

  /** Holds published beside the buckets (same prefix, same key), on the same mode as the pacers. */
  holds(name: string): KeyedHolds {
    return new SharedHolds(this.holdStore, this.mode, name, this.callTimeoutMs ?? SHARED_PACING_CALL_TIMEOUT_MS);
  }
}
