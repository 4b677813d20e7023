/**
 * The undelivered marks of escalation pages, on the real databases: a mark is cleared only for the page that was
 * delivered (another step of the same incident, in flight at the same time, keeps its own), a failed delivery keeps
 * its mark for the sweep, a page of an earlier run clears nothing of the current one, an instance still delivering
 * keeps its pages' redelivery time moving, and an overdue incident is claimed by one sweep only. A page whose sends
 * failed in part keeps its mark with those sends and a growing backoff; one whose failures are final settles with a
 * timeline entry.
 */
import { ChannelEntity } from '../../../src/db/entities/channel.entity.js';
import { IncidentEventEntity } from '../../../src/db/entities/incident-event.entity.js';
import { IncidentEntity, NOT_YET_ESCALATED } from '../../../src/db/entities/incident.entity.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { Database } from '../../../src/db/database.js';
import { createLogger } from '../../../src/lib/logger.js';
import { EscalationDeliveries, escalationRun, pageKey } from '../../../src/services/escalation/escalation-deliveries.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../../support/databases.js';
import type { DatabaseConfig } from '../../../src/config/config.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DATABASE_KINDS)('escalation delivery marks on %s', (kind) => {
  let config: DatabaseConfig;
  let db: Database;
  let channelId: number;
  const logger = createLogger('silent');

  beforeAll(async () => {
    config = await freshDatabase(kind, 'escalation_deliveries');
    db = new Database(await openDatabase(config));
    const now = new Date();
    const inserted = await db.manager.insert(ChannelEntity, { name: 'deliveries', description: '', timeZone: 'UTC', createdAt: now, updatedAt: now });
    channelId = Number(inserted.identifiers[0].id);
  });
  afterAll(async () => {
    await db.close();
    await dropDatabase(config);
  });

  /** An incident in escalation run `run` with `undelivered` steps marked, due for redelivery at `redeliverAt`. */
  async function incident(undelivered: number[], redeliverAt: Date, run = new Date('2026-05-01T10:00:00.123Z')): Promise<number> {
    const now = new Date();
    const inserted = await db.manager.insert(IncidentEntity, {
      channelId, title: 'Disk full', description: '', descriptionFormat: 'text', severity: 'warning', status: 'triggered', alertCount: 1,
      acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null, ...NOT_YET_ESCALATED,
      escalationStep: Math.max(...undelivered) + 1, escalationCheckedAt: run, escalationUndelivered: undelivered, escalationRedeliverAt: redeliverAt,
      createdAt: now, updatedAt: now,
    });
    return Number(inserted.identifiers[0].id);
  }
  const row = (id: number) => db.manager.findOneByOrFail(IncidentEntity, { id });

  it('clears the delivered step only; the last one clears the redelivery time too', async () => {
    const deliveries = new EscalationDeliveries(db, logger, 60_000);
    const id = await incident([1, 2], new Date(Date.now() + 60_000));
    const run = escalationRun(await row(id));
    await deliveries.deliver({ incidentId: id, run, step: 2 }, async () => undefined);
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: [1], escalationRedeliverAt: expect.any(Date) });
    await deliveries.deliver({ incidentId: id, run, step: 1 }, async () => undefined);
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: null, escalationRedeliverAt: null });
  });

  it('keeps the mark of a page whose delivery failed, and of an earlier run’s page', async () => {
    const deliveries = new EscalationDeliveries(db, logger, 60_000);
    const id = await incident([0], new Date(Date.now() + 60_000));
    const run = escalationRun(await row(id));
    await expect(deliveries.deliver({ incidentId: id, run, step: 0 }, async () => Promise.reject(new Error('database gone')))).rejects.toThrow('database gone');
    await deliveries.deliver({ incidentId: id, run: run - 60_000, step: 0 }, async () => undefined);
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: [0], escalationRedeliverAt: expect.any(Date) });
  });

  it('moves the redelivery time on while the page is still being sent, so no sweep takes it over', async () => {
    const deliveries = new EscalationDeliveries(db, logger, 600);
    const takenAt = Date.now();
    const id = await incident([0], new Date(takenAt + 600));
    const run = escalationRun(await row(id));
    let finish!: () => void;
    const sending = deliveries.deliver({ incidentId: id, run, step: 0 }, () => new Promise<void>((resolve) => (finish = resolve)));
    await sleep(1000);
    const renewed = (await row(id)).escalationRedeliverAt!;
    expect(renewed.getTime()).toBeGreaterThan(takenAt + 600);
    // Another instance's sweep, after the first redelivery time: nothing to take over.
    expect(await new EscalationDeliveries(db, logger, 600).claimUnfinished(new Date(takenAt + 700))).toEqual([]);
    finish();
    await sending;
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: null, escalationRedeliverAt: null });
  });

  it('hands an overdue incident to one sweep only, and its later claim comes after a new redelivery time', async () => {
    const overdueAt = new Date(Date.now() - 1000);
    const id = await incident([3], overdueAt);
    const sweeps = [new EscalationDeliveries(db, logger, 30_000), new EscalationDeliveries(db, logger, 30_000)];
    const claims = await Promise.all([...sweeps, ...sweeps].map((sweep) => sweep.claimUnfinished(new Date())));
    const claimed = claims.flat().filter((incident) => incident.id === id);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]).toMatchObject({ escalationUndelivered: [3] });
    expect((await row(id)).escalationRedeliverAt!.getTime()).toBeGreaterThan(Date.now() + 25_000);
    expect((await sweeps[0].claimUnfinished(new Date())).filter((incident) => incident.id === id)).toEqual([]);
  });

  it('a page some of whose sends failed keeps its mark, with those sends and a redelivery time a backoff ahead that doubles per attempt', async () => {
    const deliveries = new EscalationDeliveries(db, logger, 60_000, { firstMs: 1000, maxMs: 4000 });
    const id = await incident([0], new Date(Date.now() + 60_000));
    const run = escalationRun(await row(id));
    // Attempt n waits between half and all of min(4 s, 1 s × 2^(n-1)).
    for (const [attempt, [least, most]] of [[1, [500, 1000]], [2, [1000, 2000]], [3, [2000, 4000]], [4, [2000, 4000]]] as const) {
      const before = Date.now();
      await deliveries.deliver({ incidentId: id, run, step: 0 }, async () => ({ retry: ['feishu:group:oc_1'] }));
      await deliveries.flush();
      const after = await row(id);
      expect(after).toMatchObject({ escalationUndelivered: [0], escalationRetries: { 0: { attempts: attempt, targets: ['feishu:group:oc_1'] } } });
      expect(after.escalationRedeliverAt!.getTime()).toBeGreaterThanOrEqual(before + least - 50);
      expect(after.escalationRedeliverAt!.getTime()).toBeLessThanOrEqual(Date.now() + most + 50);
    }
    // The sweep claims it once the backoff is over, with what is left to send.
    const claimed = (await deliveries.claimUnfinished(new Date(Date.now() + 4100))).find((incident) => incident.id === id);
    expect(claimed?.escalationRetries).toEqual({ 0: { attempts: 4, targets: ['feishu:group:oc_1'] } });
    // Sent at last: the mark and the retry bookkeeping go.
    await deliveries.deliver({ incidentId: id, run, step: 0 }, async () => ({ retry: [] }));
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: null, escalationRedeliverAt: null, escalationRetries: null });
  });

  it('a step that failed in part keeps its retries while another step of the incident is delivered', async () => {
    const deliveries = new EscalationDeliveries(db, logger, 60_000, { firstMs: 1000, maxMs: 4000 });
    const id = await incident([0, 1], new Date(Date.now() + 60_000));
    const run = escalationRun(await row(id));
    await deliveries.deliver({ incidentId: id, run, step: 0 }, async () => ({ retry: ['feishu:dm:ou_1'] }));
    await deliveries.deliver({ incidentId: id, run, step: 1 }, async () => ({ retry: [] }));
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: [0], escalationRetries: { 0: { attempts: 1, targets: ['feishu:dm:ou_1'] } } });
  });

  it('a page whose only failures are final settles, with one timeline entry naming who it did not reach; a stale one writes nothing', async () => {
    const deliveries = new EscalationDeliveries(db, logger, 60_000);
    const id = await incident([0], new Date(Date.now() + 60_000));
    const run = escalationRun(await row(id));
    const notReached = { level: 1, round: 1, notReached: 'feishu group chat "ops": target_gone 230002' };
    await deliveries.deliver({ incidentId: id, run, step: 0 }, async () => ({ retry: [], notReached }));
    // The same page settled again (another instance redelivering it), and a page of an earlier run: no more entries.
    await deliveries.deliver({ incidentId: id, run, step: 0 }, async () => ({ retry: [], notReached }));
    await deliveries.deliver({ incidentId: id, run: run - 60_000, step: 0 }, async () => ({ retry: [], notReached }));
    await deliveries.flush();
    expect(await row(id)).toMatchObject({ escalationUndelivered: null, escalationRedeliverAt: null, escalationRetries: null });
    const entries = await db.manager.findBy(IncidentEventEntity, { incidentId: id });
    expect(entries).toEqual([expect.objectContaining({ kind: 'not_reached', actorType: 'system', detail: notReached })]);
  });

  it('names each page the same way every time, and differently per incident, run and step', () => {
    const page = { incidentId: 7, run: Date.parse('2026-05-01T10:00:00.123Z'), step: 1 };
    // A fixed spelling: other instances, and later versions redelivering, derive the same Feishu uuid from it.
    expect(pageKey(page)).toBe('escalation:7:1777629600123:1');
    const others = [{ ...page, incidentId: 8 }, { ...page, run: page.run + 1 }, { ...page, step: 2 }].map(pageKey);
    expect(new Set([pageKey(page), ...others]).size).toBe(4);
  });
});
