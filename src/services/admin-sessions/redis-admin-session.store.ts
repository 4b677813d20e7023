import { assertRedisConnected, type Redis } from '../../lib/redis.js';
import type { AdminSessionStore, StoredAdminSession } from './admin-session-store.js';

const KEY_PREFIX = 'oncall:console-session:';

/**
 * Console sessions as Redis keys that expire with the session, shared by every instance. While Redis is away a call
 * fails at once rather than queueing until the client's retries run out.
 */
export class RedisAdminSessionStore implements AdminSessionStore {
  readonly name = 'Redis';

  constructor(private readonly redis: Redis) {}

  async save(idHash: string, session: StoredAdminSession): Promise<void> {
    const ttlMs = Math.max(1, session.expiresAt.getTime() - Date.now());
    const value = JSON.stringify({ csrfToken: session.csrfToken, tokenFingerprint: session.tokenFingerprint, expiresAt: session.expiresAt.toISOString() });
    assertRedisConnected(this.redis);
    await this.redis.set(KEY_PREFIX + idHash, value, 'PX', ttlMs);
  }

  async find(idHash: string): Promise<StoredAdminSession | undefined> {
    assertRedisConnected(this.redis);
    const raw = await this.redis.get(KEY_PREFIX + idHash);
    if (!raw) return undefined;
    const stored = JSON.parse(raw) as { csrfToken: string; tokenFingerprint: string; expiresAt: string };
    const expiresAt = new Date(stored.expiresAt);
    if (expiresAt.getTime() <= Date.now()) return undefined;
    return { csrfToken: stored.csrfToken, tokenFingerprint: stored.tokenFingerprint, expiresAt };
  }

  async remove(idHash: string): Promise<void> {
    assertRedisConnected(this.redis);
    await this.redis.del(KEY_PREFIX + idHash);
  }
}
