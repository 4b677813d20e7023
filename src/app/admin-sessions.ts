import type { AppConfig } from '../config/config.js';
import { LocalFailureWindows } from '../lib/failure-windows.js';
import type { Logger } from '../lib/logger.js';
import { SharedFailureWindows } from '../lib/shared-failure-windows.js';
import { AdminSessions, DEFAULT_SESSION_MINUTES } from '../services/admin-sessions/admin-sessions.js';
import { AdminTokenLimiter, DEFAULT_ADMIN_TOKEN_LIMITS } from '../services/admin-sessions/admin-token-limiter.js';
import { DatabaseAdminSessionStore } from '../services/admin-sessions/database-admin-session.store.js';
import { RedisAdminSessionStore } from '../services/admin-sessions/redis-admin-session.store.js';
import type { Storage } from './storage.js';

/** Console sessions on Redis when configured (shared by every instance, expired by Redis), else on the database. */
export function initAdminSessions(config: AppConfig, storage: Pick<Storage, 'db' | 'redis'>, adminToken: string): AdminSessions {
  const store = storage.redis ? new RedisAdminSessionStore(storage.redis) : new DatabaseAdminSessionStore(storage.db);
  return new AdminSessions(store, adminToken, (config.consoleSessionMinutes ?? DEFAULT_SESSION_MINUTES) * 60_000);
}

/** Wrong admin tokens counted on Redis when configured (one limit for every instance; this process' while it is away), else in this process. */
export function initAdminTokenLimiter(config: AppConfig, storage: Pick<Storage, 'redis'>, logger: Logger): AdminTokenLimiter {
  const windows = storage.redis ? new SharedFailureWindows(storage.redis, logger) : new LocalFailureWindows();
  return new AdminTokenLimiter(windows, config.adminTokenLimits ?? DEFAULT_ADMIN_TOKEN_LIMITS, logger);
}
