import { assertRedisConnected, type Redis } from './redis.js';
import type { Logger } from './logger.js';
import { withTimeout } from './timeout.js';

/**
 * How long an inbound event id is remembered. Callback routes refuse signed requests older than this, so a captured
 * request can only be replayed while its event id would still be recognised.
 */
export const EVENT_DEDUPE_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Remembers inbound event ids so a re-delivered event is handled once. */
export interface Deduper {
  /** True the first time a key is seen (and records it); false for every repeat. */
  firstSeen(key: string): Promise<boolean>;
}

export class RedisDeduper implements Deduper {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = EVENT_DEDUPE_RETENTION_MS / 1000,
  ) {}

  async firstSeen(key: string): Promise<boolean> {
    // While Redis is away, fail at once rather than queue the command until it times out.
    assertRedisConnected(this.redis);
    return (await this.redis.set(`dedupe:${key}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }
}

/** How long an event waits for Redis before the database answers instead. */
const PRIMARY_WAIT_MS = 300;

/**
 * Redis first; while it cannot answer, the database. A Redis outage then delays no click or command, at the price
 * that an event re-delivered across the switch may be handled twice — which the incident's state makes harmless
 * ("already acknowledged by …").
 */
export class FallbackDeduper implements Deduper {
  constructor(
    private readonly primary: Deduper,
    private readonly fallback: Deduper,
    private readonly logger: Logger,
    private readonly waitMs = PRIMARY_WAIT_MS,
  ) {}

  async firstSeen(key: string): Promise<boolean> {
    try {
      return await withTimeout(this.primary.firstSeen(key), this.waitMs);
    } catch (error) {
      this.logger.warn({ err: error }, 'event dedupe on Redis failed; using the database');
      return this.fallback.firstSeen(key);
    }
  }
}
