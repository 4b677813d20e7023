import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { DatabaseConfig } from '../../../src/config/config.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { Database } from '../../../src/db/database.js';
import { ConsoleSessionEntity } from '../../../src/db/entities/console-session.entity.js';
import type { AdminSessionStore } from '../../../src/services/admin-sessions/admin-session-store.js';
import { AdminSessions } from '../../../src/services/admin-sessions/admin-sessions.js';
import { DatabaseAdminSessionStore } from '../../../src/services/admin-sessions/database-admin-session.store.js';
import { RedisAdminSessionStore } from '../../../src/services/admin-sessions/redis-admin-session.store.js';
import { DATABASE_KINDS, REDIS_TEST_URL, dropDatabase, freshDatabase } from '../../support/databases.js';

const TOKEN = 'admin-token-for-sessions-0123456789';
const HOUR_MS = 3600_000;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

interface StoreUnderTest {
  store: AdminSessionStore;
  /** What the store keeps for a session id (to check that only a hash is kept). */
  raw(): Promise<string>;
  close(): Promise<void>;
}

const stores: Array<[string, () => Promise<StoreUnderTest>]> = [
  ...DATABASE_KINDS.map((kind): [string, () => Promise<StoreUnderTest>] => [
    kind,
    async () => {
      const config: DatabaseConfig = await freshDatabase(kind, 'admin_sessions');
      const db = new Database(await openDatabase(config));
      return {
        store: new DatabaseAdminSessionStore(db),
        raw: async () => JSON.stringify(await db.manager.find(ConsoleSessionEntity)),
        close: async () => {
          await db.close();
          await dropDatabase(config);
        },
      };
    },
  ]),
  [
    'redis',
    async () => {
      const redis = new Redis(REDIS_TEST_URL);
      // Only this store's keys: the Redis database may hold other tests' keys.
      const clear = async () => {
        const keys = await redis.keys('oncall:console-session:*');
        if (keys.length) await redis.del(...keys);
      };
      await clear();
      return {
        store: new RedisAdminSessionStore(redis),
        raw: async () => {
          const keys = await redis.keys('oncall:console-session:*');
          return JSON.stringify([keys, ...(await Promise.all(keys.map((key) => redis.get(key))))]);
        },
        close: async () => {
          await clear();
          redis.disconnect();
        },
      };
    },
  ],
];

describe.each(stores)('admin console sessions on %s', (_name, open) => {
  let subject: StoreUnderTest;
  beforeAll(async () => {
    subject = await open();
  });
  afterAll(async () => {
    await subject.close();
  });

  it('opens a session only for the admin token, and keeps only a hash of its cookie value', async () => {
    const sessions = new AdminSessions(subject.store, TOKEN, HOUR_MS);
    expect(await sessions.signIn('wrong-token')).toBeUndefined();
    expect(await sessions.signIn(`${TOKEN}x`)).toBeUndefined();
    const session = (await sessions.signIn(TOKEN))!;
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).not.toBe(session.id);

    const found = await sessions.find(session.id);
    expect(found).toEqual({ id: session.id, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    const stored = await subject.raw();
    expect(stored).toContain(sha256(session.id));
    expect(stored).not.toContain(session.id);
    expect(stored).not.toContain(TOKEN);
  });

  it('checks the CSRF token exactly', async () => {
    const session = (await new AdminSessions(subject.store, TOKEN, HOUR_MS).signIn(TOKEN))!;
    expect(AdminSessions.csrfMatches(session, session.csrfToken)).toBe(true);
    expect(AdminSessions.csrfMatches(session, undefined)).toBe(false);
    expect(AdminSessions.csrfMatches(session, '')).toBe(false);
    expect(AdminSessions.csrfMatches(session, session.csrfToken.slice(1))).toBe(false);
  });

  it('ends a session at sign-out, at expiry, and when the admin token changes', async () => {
    const sessions = new AdminSessions(subject.store, TOKEN, HOUR_MS);
    const signedOut = (await sessions.signIn(TOKEN))!;
    await sessions.signOut(signedOut.id);
    expect(await sessions.find(signedOut.id)).toBeUndefined();

    const short = (await new AdminSessions(subject.store, TOKEN, 300).signIn(TOKEN))!;
    expect(await sessions.find(short.id)).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await sessions.find(short.id)).toBeUndefined();

    const beforeRotation = (await sessions.signIn(TOKEN))!;
    expect(await new AdminSessions(subject.store, 'a-new-admin-token-0123456789', HOUR_MS).find(beforeRotation.id)).toBeUndefined();
  });

  it('treats an unknown, empty or oversized cookie value as no session', async () => {
    const sessions = new AdminSessions(subject.store, TOKEN, HOUR_MS);
    expect(await sessions.find('')).toBeUndefined();
    expect(await sessions.find('not-a-session')).toBeUndefined();
    expect(await sessions.find('x'.repeat(10_000))).toBeUndefined();
  });
});
