/** Migration 1764940000000: the console_sessions table, created and dropped again, on SQLite and MariaDB. */
import { DataSource } from 'typeorm';
import { ConsoleSessions1764940000000 } from '../../migrations/1764940000000-console-sessions.js';
import { allMigrations } from '../../migrations/index.js';
import { createDataSource } from '../../src/db/data-source.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';

describe.each(DATABASE_KINDS)('console sessions migration on %s', (kind) => {
  let database: DatabaseConfig;
  let dataSource: DataSource;
  beforeAll(async () => {
    database = await freshDatabase(kind, 'console_sessions_migration');
    // Up to this migration: it is then the last one, whatever later migrations are added.
    const upToThis = allMigrations.slice(0, allMigrations.indexOf(ConsoleSessions1764940000000) + 1);
    dataSource = new DataSource({ ...createDataSource(database).options, migrations: upToThis });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });
  afterAll(async () => {
    await dataSource.destroy();
    await dropDatabase(database);
  });

  it('makes a table keyed by the cookie hash, with an index on the expiry; reverting drops it', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const table = (await runner.getTable('console_sessions'))!;
      expect(table.columns.map((column) => column.name).sort()).toEqual(['created_at', 'csrf_token', 'expires_at', 'id_hash', 'token_fingerprint']);
      expect(table.primaryColumns.map((column) => column.name)).toEqual(['id_hash']);
      expect(table.indices.map((index) => index.columnNames)).toContainEqual(['expires_at']);

      await dataSource.query('INSERT INTO console_sessions (id_hash, csrf_token, token_fingerprint, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', [
        'a'.repeat(64),
        'b'.repeat(43),
        'c'.repeat(64),
        '2026-01-01 12:00:00.000',
        '2026-01-01 00:00:00.000',
      ]);
      await expect(
        dataSource.query('INSERT INTO console_sessions (id_hash, csrf_token, token_fingerprint, expires_at, created_at) VALUES (?, ?, ?, ?, ?)', ['a'.repeat(64), 'x', 'y', '2026-01-01 12:00:00.000', '2026-01-01 00:00:00.000']),
      ).rejects.toThrow();

      expect(dataSource.migrations[dataSource.migrations.length - 1].name).toBe('ConsoleSessions1764940000000');
      await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await runner.hasTable('console_sessions')).toBe(false);
    } finally {
      await runner.release();
    }
  });
});
