/**
 * Migration 1764950000000 on a database that already holds incidents: those paged before it keep the last level's
 * names as their paged responders (the card names them), the others stay without; reverting drops the column only.
 */
import { PagedResponders1764950000000 } from '../../migrations/1764950000000-paged-responders.js';
import { openDatabase } from '../../src/db/data-source.js';
import { Database } from '../../src/db/database.js';
import { IncidentEntity } from '../../src/db/entities/incident.entity.js';
import { IncidentLinks } from '../../src/services/incidents/incident-links.js';
import { IncidentViewService } from '../../src/services/incidents/incident-view.service.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';
import { openBeforeMigration, tableColumns, undoMigrationsThrough } from '../support/migrations.js';

const AT = '2026-01-01 00:00:00.000';

describe.each(DATABASE_KINDS)('paged responders migration on %s', (kind) => {
  let database: DatabaseConfig;
  beforeEach(async () => {
    database = await freshDatabase(kind, 'paged_responders_migration');
  });
  afterEach(async () => {
    await dropDatabase(database);
  });

  it('an incident paged before keeps the last level’s names as paged responders; one never paged has none; reverting drops the column', async () => {
    const old = await openBeforeMigration(database, PagedResponders1764950000000);
    try {
      await old.query('INSERT INTO channels (name, description, time_zone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', ['sre', '', 'UTC', AT, AT]);
      const [{ id: channelId }] = await old.query('SELECT id FROM channels');
      const insert = (title: string, paged: string | null) =>
        old.query(
          `INSERT INTO incidents (channel_id, title, description, description_format, severity, status, alert_count, escalation_step, escalation_paged, created_at, updated_at)
           VALUES (?, ?, '', 'text', 'critical', 'triggered', 1, ?, ?, ?, ?)`,
          [channelId, title, paged ? 1 : 0, paged, AT, AT],
        );
      await insert('paged', JSON.stringify(['Ann', 'Bob "the builder" <b>']));
      await insert('never paged', null);
    } finally {
      await old.destroy();
    }

    const migrated = await openDatabase(database);
    try {
      expect(await tableColumns(migrated, 'incidents')).toContain('paged_responders');
      const incidents = await migrated.manager.find(IncidentEntity, { order: { id: 'ASC' } });
      expect(incidents.map(({ title, pagedResponders }) => ({ title, pagedResponders }))).toEqual([
        { title: 'paged', pagedResponders: ['Ann', 'Bob "the builder" <b>'] },
        { title: 'never paged', pagedResponders: null },
      ]);
      const views = new IncidentViewService(new Database(migrated), new IncidentLinks('http://oncall.test', { current: 'migration-test-key-0123456789abcdef', ttlAfterCloseMs: 86_400_000 }));
      expect((await views.build(incidents[0].id)).responders).toEqual([
        { name: 'Ann', role: 'paged' },
        { name: 'Bob "the builder" <b>', role: 'paged' },
      ]);

      // Back to before this migration: any later ones are undone first.
      await undoMigrationsThrough(migrated, PagedResponders1764950000000);
      const columns = await tableColumns(migrated, 'incidents');
      expect(columns).not.toContain('paged_responders');
      expect(columns).toContain('escalation_paged');
      expect(await migrated.query('SELECT title FROM incidents ORDER BY id')).toEqual([{ title: 'paged' }, { title: 'never paged' }]);
    } finally {
      await migrated.destroy();
    }
  }, 60_000);
});
