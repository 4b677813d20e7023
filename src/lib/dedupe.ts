import type { Redis } from 'ioredis';

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
    return (await this.redis.set(`dedupe:${key}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }
}
