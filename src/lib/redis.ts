import { Redis } from 'ioredis';

export type { Redis };

/** How long the start waits for Redis before going on without it. */
export const REDIS_START_WAIT_MS = 3000;

export interface OpenedRedis {
  redis: Redis;
  /** Set when Redis did not answer within the wait: the client goes on reconnecting in the background. */
  startError?: Error;
}

/**
 * A client for `url` that keeps reconnecting for as long as it lives. Waits up to `waitMs` for Redis to answer; if it
 * does not (down, unreachable), the client is returned anyway with the reason, so the service can start without Redis
 * and pick it up when it comes back.
 */
export async function openRedis(url: string, waitMs = REDIS_START_WAIT_MS): Promise<OpenedRedis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
  const startError = await new Promise<Error | undefined>((resolve) => {
    let lastError: Error | undefined;
    const done = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', ready).off('error', failed).off('close', closed);
      resolve(error);
    };
    const ready = () => done();
    const failed = (error: Error) => (lastError = error);
    // A refused or dropped connection: the first attempt failed; more follow in the background.
    const closed = () => done(new Error(`cannot connect to Redis: ${lastError?.message ?? 'connection closed'}`));
    const timer = setTimeout(() => done(new Error(`cannot connect to Redis: ${lastError?.message ?? `no answer within ${waitMs} ms`}`)), waitMs);
    redis.on('ready', ready).on('error', failed).on('close', closed);
  });
  return startError ? { redis, startError } : { redis };
}

/** Rejects at once while the client is not connected (rather than queueing the command until it times out). */
export function assertRedisConnected(redis: Redis): void {
  if (redis.status !== 'ready') throw new Error(`Redis not connected (${redis.status})`);
}
