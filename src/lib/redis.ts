import { Redis } from 'ioredis';

export type { Redis };

export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // A failed connect() rejects with a bare "Connection is closed." while the client keeps reconnecting in the
  // background: keep the real cause, and stop the client so a failed start leaves nothing running.
  let lastError: Error | undefined;
  const remember = (error: Error) => {
    lastError = error;
  };
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot connect to Redis: ${(lastError ?? (error as Error)).message}`, { cause: error });
  } finally {
    redis.off('error', remember);
  }
  return redis;
}
