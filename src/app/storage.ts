import type { AppConfig } from '../config/config.js';
import { DatabaseDeduper } from '../db/database-deduper.js';
import { openDatabase } from '../db/data-source.js';
import { Database } from '../db/database.js';
import { FallbackDeduper, RedisDeduper, type Deduper } from '../lib/dedupe.js';
import type { Logger } from '../lib/logger.js';
import { connectRedis, type Redis } from '../lib/redis.js';

export interface Storage {
  db: Database;
  redis?: Redis;
  deduper: Deduper;
  readiness: Array<{ name: string; check: () => Promise<void> }>;
  close(): Promise<void>;
}

/** The database (migrated) and, when configured, Redis; inbound dedupe on Redis with the database as fallback. */
export async function initStorage(config: AppConfig, logger: Logger): Promise<Storage> {
  const db = new Database(await openDatabase(config.database));
  logger.info({ database: config.database.kind }, 'database ready, migrations applied');
  let redis: Redis | undefined;
  try {
    redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  } catch (error) {
    await db.close();
    throw error;
  }
  if (redis) {
    logger.info('redis connected');
    redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection problem'));
  }
  const deduper: Deduper = redis ? new FallbackDeduper(new RedisDeduper(redis), new DatabaseDeduper(db), logger) : new DatabaseDeduper(db);
  const readiness = [{ name: 'database', check: () => db.ping() }];
  if (redis) readiness.push({ name: 'redis', check: async () => void (await redis.ping()) });
  return {
    db,
    redis,
    deduper,
    readiness,
    async close() {
      if (redis) await redis.quit();
      await db.close();
    },
  };
}
