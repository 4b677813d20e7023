import type { AppConfig } from '../config/config.js';
import { DatabaseDeduper } from '../db/database-deduper.js';
import { openDatabase } from '../db/data-source.js';
import { Database } from '../db/database.js';
import { FallbackDeduper, RedisDeduper, type Deduper } from '../lib/dedupe.js';
import type { Logger } from '../lib/logger.js';
import { assertRedisConnected, openRedis, type Redis } from '../lib/redis.js';

export interface Storage {
  db: Database;
  redis?: Redis;
  deduper: Deduper;
  readiness: Array<{ name: string; check: () => Promise<void> }>;
  close(): Promise<void>;
}

/**
 * The database (migrated) and, when configured, Redis; inbound dedupe on Redis with the database as fallback. A Redis
 * that does not answer at start does not stop the start: the service runs without it (readiness names it) and picks
 * it up when it comes back, as when Redis is lost while running.
 */
export async function initStorage(config: AppConfig, logger: Logger): Promise<Storage> {
  const db = new Database(await openDatabase(config.database));
  logger.info({ database: config.database.kind }, 'database ready, migrations applied');
  const redis = config.redisUrl ? await openRedisLogged(config.redisUrl, logger) : undefined;
  const deduper: Deduper = redis ? new FallbackDeduper(new RedisDeduper(redis), new DatabaseDeduper(db), logger) : new DatabaseDeduper(db);
  const readiness = [{ name: 'database', check: () => db.ping() }];
  if (redis) {
    readiness.push({
      name: 'redis',
      check: async () => {
        assertRedisConnected(redis);
        await redis.ping();
      },
    });
  }
  return {
    db,
    redis,
    deduper,
    readiness,
    async close() {
      // quit() on a client that is reconnecting would wait for Redis: a client without a connection is just dropped.
      if (redis?.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis?.disconnect();
      await db.close();
    },
  };
}

/** Logs the start's outcome, then each outage once (not every reconnect attempt) and each recovery. */
async function openRedisLogged(url: string, logger: Logger): Promise<Redis> {
  const { redis, startError } = await openRedis(url);
  let down = Boolean(startError);
  if (startError) logger.warn({ err: startError.message }, 'Redis does not answer: starting without it (events deduplicated on the database, escalation timers and rate-limit pacing in this process) until it does');
  else logger.info('redis connected');
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error.message }, 'redis connection problem');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis connected again');
  });
  return redis;
}
