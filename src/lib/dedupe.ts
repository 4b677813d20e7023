import type { Redis } from 'ioredis';

/** Remembers inbound event ids so a re-delivered event is handled once. */
export interface Deduper {
  /** True the first time a key is seen (and records it); false for every repeat. */
  firstSeen(key: string): Promise<boolean>;
}

export class RedisDeduper implements Deduper {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds = 7 * 24 * 3600,
  ) {}

  async firstSeen(key: string): Promise<boolean> {
    return (await this.redis.set(`dedupe:${key}`, '1', 'EX', this.ttlSeconds, 'NX')) === 'OK';
  }
}
