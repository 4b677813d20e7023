import type { AppConfig } from '../config/config.js';
import { AdminSessions, DEFAULT_SESSION_MINUTES } from '../services/admin-sessions/admin-sessions.js';
import { DatabaseAdminSessionStore } from '../services/admin-sessions/database-admin-session.store.js';
import { RedisAdminSessionStore } from '../services/admin-sessions/redis-admin-session.store.js';
import type { Storage } from './storage.js';

/** Console sessions on Redis when configured (shared by every instance, expired by Redis), else on the database. */
export function initAdminSessions(config: AppConfig, storage: Pick<Storage, 'db' | 'redis'>, adminToken: string): AdminSessions {
  const store = storage.redis ? new RedisAdminSessionStore(storage.redis) : new DatabaseAdminSessionStore(storage.db);
  return new AdminSessions(store, adminToken, (config.consoleSessionMinutes ?? DEFAULT_SESSION_MINUTES) * 60_000);
}
