/**
 * Migration 1764965000000 on a database that already holds paged incidents: they read as before (everyone paged shows
 * as paged, the API says their reach is unknown), a new reach can be stored, and reverting drops the column only.
 */
import { PagedReach1764965000000 } from '../../migrations/1764965000000-paged-reach.js';
import { openDatabase } from '../../src/db/data-source.js';
import { Database } from '../../src/db/database.js';
import { IncidentEntity } from '../../src/db/entities/incident.entity.js';
import { incidentView } from '../../src/http/admin/incident.view.js';
import { IncidentLinks } from '../../src/services/incidents/incident-links.js';
import { IncidentViewService } from '../../src/services/incidents/incident-view.service.js';
import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';
import { openBeforeMigration, tableColumns, undoMigrationsThrough } from '../support/migrations.js';

const AT = '2026-01-01 00:00:00.000';

describe.each(DATABASE_KINDS)('paged reach migration on %s', (kind) => {
  let database: DatabaseConfig;
  beforeEach(async () => {
    database = await freshDatabase(kind, 'paged_reach_migration');
  });
  afterEach(async () => {
    await dropDatabase(database);
  });

  it('incidents paged before read as before, a reach can then be stored, and reverting drops the column', async () => {
    const old = await openBeforeMigration(database, PagedReach1764965000000);
    try {
      await old.query('INSERT INTO channels (name, description, time_zone, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', ['sre', '', 'UTC', AT, AT]);
      const [{ id: channelId }] = await old.query('SELECT id FROM channels');
      await old.query(
        `INSERT INTO incidents (channel_id, title, description, description_format, severity, status, alert_count, escalation_step, escalation_paged, paged_responders, created_at, updated_at)
         VALUES (?, 'paged', '', 'text', 'critical', 'triggered', 1, 1, ?, ?, ?, ?)`,
        [channelId, JSON.stringify(['Bob']), JSON.stringify(['Ann', 'Bob']), AT, AT],
      );
    } finally {
      await old.destroy();
    }

    const migrated = await openDatabase(database);
    try {
      expect(await tableColumns(migrated, 'incidents')).toContain('paged_reach');
      const [incident] = await migrated.manager.find(IncidentEntity);
      expect(incident.pagedReach).toBeNull();
      const views = new IncidentViewService(new Database(migrated), new IncidentLinks('http://oncall.test', { current: 'migration-test-key-0123456789abcdef', ttlAfterCloseMs: 86_400_000 }));
      expect((await views.build(incident.id)).responders).toEqual([
        { name: 'Ann', role: 'paged' },
        { name: 'Bob', role: 'paged' },
      ]);
      expect(incidentView(incident).pagedResponders).toEqual([
        { name: 'Ann', reach: 'unknown' },
        { name: 'Bob', reach: 'unknown' },
      ]);

      await migrated.manager.update(IncidentEntity, incident.id, { pagedReach: { Ann: 'reached', Bob: 'not_reached' } });
      expect((await views.build(incident.id)).responders).toEqual([
        { name: 'Ann', role: 'paged' },
        { name: 'Bob', role: 'not_reached' },
      ]);

      await undoMigrationsThrough(migrated, PagedReach1764965000000);
      const columns = await tableColumns(migrated, 'incidents');
      expect(columns).not.toContain('paged_reach');
      expect(columns).toContain('paged_responders');
      expect(await migrated.query('SELECT title FROM incidents')).toEqual([{ title: 'paged' }]);
    } finally {
      await migrated.destroy();
    }
  }, 60_000);
});
