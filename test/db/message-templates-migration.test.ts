/**
 * Migration 1764910000000: the message_templates table with one template per channel, kind and event (unique), a
 * 4-byte character (emoji) kept on MariaDB, and reverted cleanly.
 */
import { DataSource } from 'typeorm';
import { allMigrations } from '../../migrations/index.js';
import { createDataSource } from '../../src/db/data-source.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';

const AT = '2026-01-01 00:00:00.000';

describe.each(DATABASE_KINDS)('message templates migration on %s', (kind) => {
  let database: DatabaseConfig;
  let dataSource: DataSource;
  beforeEach(async () => {
    database = await freshDatabase(kind, 'message_templates_migration');
    dataSource = new DataSource({ ...createDataSource(database).options, migrations: allMigrations });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });
  afterEach(async () => {
    await dataSource?.destroy();
    await dropDatabase(database);
  });

  it('keeps one template per channel, kind and event, emoji intact; reverting drops the table', async () => {
    await dataSource.query('INSERT INTO channels (name, description, time_zone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', ['sre', '', 'UTC', AT, AT]);
    const [{ id: channelId }] = await dataSource.query('SELECT id FROM channels');
    const insert = (event: string, source: string) =>
      dataSource.query('INSERT INTO message_templates (channel_id, kind, event, source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [channelId, 'dingtalk', event, source, AT, AT]);
    await insert('triggered', '🔥 {{ incident.title }}');
    await insert('closed', '✅ {{ incident.title }}');
    await expect(insert('triggered', 'again')).rejects.toThrow();
    expect((await dataSource.query('SELECT source FROM message_templates ORDER BY id')).map((row: any) => row.source)).toEqual(['🔥 {{ incident.title }}', '✅ {{ incident.title }}']);

    await dataSource.undoLastMigration({ transaction: 'each' });
    const runner = dataSource.createQueryRunner();
    try {
      expect(await runner.hasTable('message_templates')).toBe(false);
      expect(await runner.hasTable('webhook_bots')).toBe(true);
    } finally {
      await runner.release();
    }
  });
});
