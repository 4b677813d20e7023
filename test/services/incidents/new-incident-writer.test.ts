import { AlertEntity } from '../../../src/db/entities/alert.entity.js';
import { ChannelEntity } from '../../../src/db/entities/channel.entity.js';
import { IncidentEventEntity } from '../../../src/db/entities/incident-event.entity.js';
import { IncidentEntity, NOT_YET_ESCALATED } from '../../../src/db/entities/incident.entity.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { Database } from '../../../src/db/database.js';
import { NewIncidentWriter, type NewIncidentRecord } from '../../../src/services/incidents/new-incident.writer.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../../support/databases.js';
import type { DatabaseConfig } from '../../../src/config/config.js';

function record(channelId: number, n: number): NewIncidentRecord {
  const now = new Date();
  return {
    incident: {
      channelId, title: `incident ${n}`, description: `body ${n}`, descriptionFormat: 'text', severity: 'warning', status: 'triggered',
      alertCount: 1, acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null, ...NOT_YET_ESCALATED, createdAt: now, updatedAt: now,
    },
    alert: {
      integrationId: 1, alertKey: `key-${n}`, openKeyHash: null, title: `incident ${n}`, description: `body ${n}`, descriptionFormat: 'text',
      severity: 'warning', status: 'firing', eventCount: 1, firstSeenAt: now, lastSeenAt: now, resolvedAt: null, rawPayload: `{"n":${n}}`, links: null,
    },
    actor: { type: 'integration', id: 1, name: 'bench' },
  };
}

describe.each(DATABASE_KINDS)('NewIncidentWriter on %s', (kind) => {
  let config: DatabaseConfig;
  let db: Database;
  let channelId: number;

  beforeAll(async () => {
    config = await freshDatabase(kind, 'new_incident_writer');
    db = new Database(await openDatabase(config));
    const now = new Date();
    const inserted = await db.manager.insert(ChannelEntity, { name: 'writer', description: '', timeZone: 'UTC', createdAt: now, updatedAt: now });
    channelId = Number(inserted.identifiers[0].id);
  });
  afterAll(async () => {
    await db.close();
    await dropDatabase(config);
  });

  it('gives every caller the ids of its own rows when a burst is written in shared transactions', async () => {
    const writer = new NewIncidentWriter(db, 2);
    let transactions = 0;
    const transaction = db.transaction.bind(db);
    db.transaction = ((work, options) => {
      transactions++;
      return transaction(work, options);
    }) as Database['transaction'];
    const records = Array.from({ length: 120 }, (_, n) => record(channelId, n));
    const ids = await Promise.all(records.map((r) => writer.write(r)));

    expect(new Set(ids.map((id) => id.incidentId)).size).toBe(120);
    for (const [n, { incidentId, alertId }] of ids.entries()) {
      const incident = await db.manager.findOneByOrFail(IncidentEntity, { id: incidentId });
      const alert = await db.manager.findOneByOrFail(AlertEntity, { id: alertId });
      // Every column reads back as written (dates to the millisecond, nulls, JSON), on its own row.
      expect(incident).toEqual({ id: incidentId, ...records[n].incident });
      expect(alert).toEqual({ id: alertId, incidentId, ...records[n].alert });
      const timeline = await db.manager.findBy(IncidentEventEntity, { incidentId });
      expect(timeline).toEqual([expect.objectContaining({ kind: 'triggered', detail: { alertId } })]);
    }
    expect(await db.manager.count(IncidentEntity)).toBe(120);
    // Two transactions in flight at most, so the burst rode in far fewer commits than records.
    expect(transactions).toBeLessThan(20);
    db.transaction = transaction;
  });

  it('keeps the good records of a batch when one of them cannot be stored', async () => {
    const writer = new NewIncidentWriter(db, 1);
    const bad = record(channelId, 999);
    bad.incident.channelId = 987654; // violates the channel foreign key
    const results = await Promise.allSettled([writer.write(record(channelId, 1000)), writer.write(bad), writer.write(record(channelId, 1001))]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await db.manager.countBy(IncidentEntity, { channelId: 987654 })).toBe(0);
    expect(await db.manager.countBy(IncidentEntity, { title: 'incident 1001' })).toBe(1);
  });
});
