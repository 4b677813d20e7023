/** Migration 1764700000000 on databases that already hold integrations: their signing secrets move, and move back. */
import type { DataSource } from 'typeorm';
import { IntegrationSettings1764700000000 } from '../../migrations/1764700000000-integration-settings.js';
import { openDatabase } from '../../src/db/data-source.js';
import { IntegrationEntity } from '../../src/db/entities/integration.entity.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';
import { openBeforeMigration, tableColumns, undoMigrationsThrough } from '../support/migrations.js';

const AT = '2026-01-01 00:00:00.000';

async function insertOldIntegration(dataSource: DataSource, name: string, key: string, channelId: number, signingSecret: string | null): Promise<void> {
  await dataSource.query(
    `INSERT INTO integrations (name, type, kind, hook_key, channel_id, routes, default_channel_id, message_format, push_mode, push_rules,
       discard_unmatched, signing_secret, keywords, enabled, created_at, updated_at)
     VALUES (?, 'feishu', 'dedicated', ?, ?, NULL, NULL, 'markdown', 'by_title', NULL, 0, ?, ?, 1, ?, ?)`,
    [name, key, channelId, signingSecret, JSON.stringify(['disk']), AT, AT],
  );
}

describe.each(DATABASE_KINDS)('integration settings migration on %s', (kind) => {
  let database: DatabaseConfig;
  beforeEach(async () => {
    database = await freshDatabase(kind, 'integration_settings_migration');
  });
  afterEach(async () => {
    await dropDatabase(database);
  });

  it('carries each signing secret into settings (null stays null), the rest of the row untouched; reverting brings it back', async () => {
    const old = await openBeforeMigration(database, IntegrationSettings1764700000000);
    try {
      await old.query('INSERT INTO channels (name, description, time_zone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', ['sre', '', 'UTC', AT, AT]);
      const [{ id: channelId }] = await old.query('SELECT id FROM channels');
      await insertOldIntegration(old, 'signed', '11111111-1111-4111-8111-111111111111', channelId, 'old-secret-ü-"quoted"');
      await insertOldIntegration(old, 'unsigned', '22222222-2222-4222-8222-222222222222', channelId, null);
    } finally {
      await old.destroy();
    }

    const migrated = await openDatabase(database);
    try {
      expect(await tableColumns(migrated, 'integrations')).toContain('settings');
      expect(await tableColumns(migrated, 'integrations')).not.toContain('signing_secret');
      const integrations = await migrated.manager.find(IntegrationEntity, { order: { id: 'ASC' } });
      expect(integrations.map(({ name, type, key, settings, messageFormat, pushMode, keywords, enabled }) => ({ name, type, key, settings, messageFormat, pushMode, keywords, enabled }))).toEqual([
        { name: 'signed', type: 'feishu', key: '11111111-1111-4111-8111-111111111111', settings: { signingSecret: 'old-secret-ü-"quoted"' }, messageFormat: 'markdown', pushMode: 'by_title', keywords: ['disk'], enabled: true },
        { name: 'unsigned', type: 'feishu', key: '22222222-2222-4222-8222-222222222222', settings: { signingSecret: null }, messageFormat: 'markdown', pushMode: 'by_title', keywords: ['disk'], enabled: true },
      ]);

      // Back to before this migration: the later ones are undone first.
      await undoMigrationsThrough(migrated, IntegrationSettings1764700000000);
      expect(await tableColumns(migrated, 'integrations')).toContain('signing_secret');
      expect(await tableColumns(migrated, 'integrations')).not.toContain('settings');
      const reverted = await migrated.query('SELECT name, signing_secret FROM integrations ORDER BY id');
      expect(reverted.map((row: any) => ({ name: row.name, signing_secret: row.signing_secret }))).toEqual([
        { name: 'signed', signing_secret: 'old-secret-ü-"quoted"' },
        { name: 'unsigned', signing_secret: null },
      ]);
    } finally {
      await migrated.destroy();
    }
  }, 60_000);

  it('an empty table migrates too, and settings is required from then on', async () => {
    await (await openBeforeMigration(database, IntegrationSettings1764700000000)).destroy();
    const migrated = await openDatabase(database);
    try {
      const runner = migrated.createQueryRunner();
      try {
        const settings = (await runner.getTable('integrations'))!.findColumnByName('settings')!;
        expect(settings.isNullable).toBe(false);
      } finally {
        await runner.release();
      }
    } finally {
      await migrated.destroy();
    }
  }, 60_000);
});
