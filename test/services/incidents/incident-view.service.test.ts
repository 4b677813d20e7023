import { AlertEntity } from '../../../src/db/entities/alert.entity.js';
import { ChannelEntity } from '../../../src/db/entities/channel.entity.js';
import { IncidentEventEntity } from '../../../src/db/entities/incident-event.entity.js';
import { IncidentEntity, NOT_YET_ESCALATED, type Incident } from '../../../src/db/entities/incident.entity.js';
import { MemberEntity } from '../../../src/db/entities/member.entity.js';
import { openDatabase } from '../../../src/db/data-source.js';
import { Database } from '../../../src/db/database.js';
import { IncidentLinks } from '../../../src/services/incidents/incident-links.js';
import { IncidentViewService } from '../../../src/services/incidents/incident-view.service.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../../support/databases.js';
import type { DatabaseConfig } from '../../../src/config/config.js';
import type { TimelineDetail, TimelineKind } from '../../../src/domain/timeline.js';

const at = (iso: string) => new Date(iso);

describe.each(DATABASE_KINDS)('IncidentViewService on %s', (kind) => {
  let config: DatabaseConfig;
  let db: Database;
  let views: IncidentViewService;
  let channelId: number;

  beforeAll(async () => {
    config = await freshDatabase(kind, 'incident_view');
    db = new Database(await openDatabase(config));
    views = new IncidentViewService(db, new IncidentLinks('http://oncall.test', { current: 'view-test-key-0123456789abcdef0123456789', ttlAfterCloseMs: 86_400_000 }));
    const now = new Date();
    const inserted = await db.manager.insert(ChannelEntity, { name: 'payments', description: '', timeZone: 'UTC', createdAt: now, updatedAt: now });
    channelId = Number(inserted.identifiers[0].id);
  });
  afterAll(async () => {
    await db.close();
    await dropDatabase(config);
  });

  async function member(name: string): Promise<number> {
    const now = new Date();
    const inserted = await db.manager.insert(MemberEntity, { name, email: null, phone: null, createdAt: now, updatedAt: now });
    return Number(inserted.identifiers[0].id);
  }

  async function incident(fields: Partial<Incident> = {}): Promise<number> {
    const created = at('2026-03-01T10:00:00.000Z');
    const inserted = await db.manager.insert(IncidentEntity, {
      channelId, title: 'Disk full', description: 'on web-1', descriptionFormat: 'text', severity: 'critical', status: 'triggered',
      alertCount: 1, acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null, ...NOT_YET_ESCALATED,
      createdAt: created, updatedAt: at('2026-03-01T10:05:00.000Z'), ...fields,
    });
    return Number(inserted.identifiers[0].id);
  }

  async function alert(incidentId: number, n: number, eventCount: number, firstSeenAt: Date, lastSeenAt: Date): Promise<void> {
    await db.manager.insert(AlertEntity, {
      integrationId: 1, incidentId, alertKey: `key-${n}`, openKeyHash: null, title: 'Disk full', description: '', descriptionFormat: 'text',
      severity: 'critical', status: 'firing', eventCount, firstSeenAt, lastSeenAt, resolvedAt: null, rawPayload: '{}',
    });
  }

  async function entry(incidentId: number, kind: TimelineKind, actorName: string, createdAt: Date, actorId: number | null = null, detail: TimelineDetail | null = null): Promise<void> {
    await db.manager.insert(IncidentEventEntity, {
      incidentId, kind, actorType: actorId === null ? 'integration' : 'member', actorId, actorName, detail, createdAt,
    });
  }

  it('shows the channel, the alerts’ totals and first/last seen, who acknowledged and closed, responders and recent activity', async () => {
    const alice = await member('Alice');
    const bob = await member('Bob');
    const id = await incident({
      status: 'closed',
      acknowledgedAt: at('2026-03-01T10:20:00.000Z'), acknowledgedBy: alice,
      closedAt: at('2026-03-01T11:00:00.000Z'), closedBy: bob,
    });
    await alert(id, 1, 3, at('2026-03-01T09:58:00.123Z'), at('2026-03-01T10:30:00.000Z'));
    await alert(id, 2, 4, at('2026-03-01T10:01:00.000Z'), at('2026-03-01T10:45:30.456Z'));
    await entry(id, 'triggered', 'grafana', at('2026-03-01T10:00:00.000Z'));
    await entry(id, 'acknowledged', 'Alice', at('2026-03-01T10:20:00.000Z'), alice);
    await entry(id, 'closed', 'Bob', at('2026-03-01T11:00:00.000Z'), bob);

    const view = await views.build(id);
    expect(view).toMatchObject({
      id,
      title: 'Disk full',
      status: 'closed',
      severity: 'critical',
      channelName: 'payments',
      timeZone: 'UTC',
      alertCount: 2,
      eventCount: 7,
      description: 'on web-1',
      acknowledged: { by: 'Alice', at: at('2026-03-01T10:20:00.000Z') },
      closed: { by: 'Bob', at: at('2026-03-01T11:00:00.000Z') },
      responders: [
        { name: 'Alice', role: 'acknowledged' },
        { name: 'Bob', role: 'closed' },
      ],
      recentActivity: [
        { at: at('2026-03-01T10:00:00.000Z'), text: 'Triggered by grafana' },
        { at: at('2026-03-01T10:20:00.000Z'), text: 'Acknowledged by Alice' },
        { at: at('2026-03-01T11:00:00.000Z'), text: 'Closed by Bob' },
      ],
      detailsUrl: expect.stringContaining(`/incidents/${id}`),
    });
    expect(view.firstSeenAt).toEqual(at('2026-03-01T09:58:00.123Z'));
    expect(view.lastSeenAt).toEqual(at('2026-03-01T10:45:30.456Z'));
    expect(view.escalation).toBeUndefined();
  });

  it('without alerts falls back to the incident’s own times; a removed member is named from the timeline', async () => {
    const carol = await member('Carol');
    const id = await incident({ status: 'acknowledged', acknowledgedAt: at('2026-03-01T10:10:00.000Z'), acknowledgedBy: carol });
    await entry(id, 'acknowledged', 'Carol C.', at('2026-03-01T10:10:00.000Z'), carol);
    await db.manager.delete(MemberEntity, carol);

    const view = await views.build(id);
    expect(view).toMatchObject({ alertCount: 0, eventCount: 0 });
    expect(view.firstSeenAt).toEqual(at('2026-03-01T10:00:00.000Z'));
    expect(view.lastSeenAt).toEqual(at('2026-03-01T10:05:00.000Z'));
    expect(view.acknowledged).toEqual({ by: 'Carol C.', at: at('2026-03-01T10:10:00.000Z') });
    expect(view.closed).toBeUndefined();
  });

  it('reads the newest 50 timeline entries: responders among them, the last three as recent activity', async () => {
    const id = await incident();
    await alert(id, 1, 2, at('2026-03-01T10:00:00.000Z'), at('2026-03-01T10:00:00.000Z'));
    const start = at('2026-03-01T10:00:00.000Z').getTime();
    for (let n = 0; n < 60; n++) {
      const actor = n < 10 ? `Early ${n}` : `Late ${n % 2}`;
      await entry(id, 'alert_updated', actor, new Date(start + n * 60_000), n + 1000);
    }

    const view = await views.build(id);
    expect(view.responders).toEqual([
      { name: 'Late 0', role: 'acted' },
      { name: 'Late 1', role: 'acted' },
    ]);
    expect(view.recentActivity.map((entry) => entry.text)).toEqual(['Alert updated by Late 1', 'Alert updated by Late 0', 'Alert updated by Late 1']);
    expect(view.recentActivity.map((entry) => entry.at.toISOString().slice(11, 16))).toEqual(['10:57', '10:58', '10:59']);
    expect(view).toMatchObject({ alertCount: 1, eventCount: 2 });
  });

  it('responders: who acted, with what they did last, then who was paged and has not acted, each once', async () => {
    const alice = await member('Alice');
    const id = await incident({
      status: 'acknowledged', acknowledgedAt: at('2026-03-01T10:20:00.000Z'), acknowledgedBy: alice,
      // Paged over two levels (Alice twice), and the current level's list, which older rows may hold alone.
      pagedResponders: ['Alice', 'Bob', '<at user_id="all">x</at>'], escalationPaged: ['Bob', 'Dan'],
    });
    await entry(id, 'escalated', 'Alice', at('2026-03-01T10:10:00.000Z'), alice);
    await entry(id, 'acknowledged', 'Alice', at('2026-03-01T10:20:00.000Z'), alice);

    expect((await views.build(id)).responders).toEqual([
      { name: 'Alice', role: 'acknowledged' },
      { name: 'Bob', role: 'paged' },
      { name: '<at user_id="all">x</at>', role: 'paged' },
      { name: 'Dan', role: 'paged' },
    ]);
  });

  it('responders no page reached are “not reached”, unless they acted; the escalation view says the same; activity names them', async () => {
    const alice = await member('Alice');
    const id = await incident({
      escalationStep: 1,
      escalationPolicy: { ruleName: 'Primary', levels: [{ memberIds: [], notifyGroupChats: true, notifyDirect: true, waitMinutes: 5 }], repeat: 0 } as any,
      pagedResponders: ['Alice', 'Bob', 'Cy'], escalationPaged: ['Alice', 'Bob', 'Cy'],
      pagedReach: { Alice: 'not_reached', Bob: 'not_reached', Cy: 'reached' },
    });
    await entry(id, 'not_reached', 'escalation', at('2026-03-01T10:05:00.000Z'), null, { level: 1, round: 1, members: 'Alice, Bob' });
    await entry(id, 'acknowledged', 'Alice', at('2026-03-01T10:20:00.000Z'), alice);

    const view = await views.build(id);
    expect(view.responders).toEqual([
      { name: 'Alice', role: 'acknowledged' },
      { name: 'Bob', role: 'not_reached' },
      { name: 'Cy', role: 'paged' },
    ]);
    expect(view.escalation).toMatchObject({ paged: ['Alice', 'Bob', 'Cy'], notReached: ['Bob'] });
    expect(view.recentActivity.map((item) => item.text)).toEqual(['Not reached by any page: Alice, Bob', 'Acknowledged by Alice']);
  });

  it('carries the channel’s time zone; one stored before zones were checked reads as UTC', async () => {
    const now = new Date();
    const zoned = await db.manager.insert(ChannelEntity, { name: 'zoned', description: '', timeZone: 'Asia/Shanghai', createdAt: now, updatedAt: now });
    const broken = await db.manager.insert(ChannelEntity, { name: 'broken zone', description: '', timeZone: 'Mars/Olympus_Mons', createdAt: now, updatedAt: now });
    expect((await views.build(await incident({ channelId: Number(zoned.identifiers[0].id) }))).timeZone).toBe('Asia/Shanghai');
    expect((await views.build(await incident({ channelId: Number(broken.identifiers[0].id) }))).timeZone).toBe('UTC');
  });

  it('refuses an incident that does not exist', async () => {
    await expect(views.build(987654)).rejects.toMatchObject({ code: 'not_found' });
  });
});
