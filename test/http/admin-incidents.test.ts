import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createIntegration, createMember, expectError, expectValidation, sendText, triggerIncident } from '../support/admin-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (answer: { body: any }) => answer.body.items.map((incident: any) => incident.id);

describe.each(DATABASE_KINDS)('admin API incidents on %s', (kind) => {
  let service: TestService;
  let sre: any;
  let dba: any;
  let sreHook: any;
  let dbaHook: any;
  let alice: any;

  beforeAll(async () => {
    service = await startTestService(kind, 'admin_incidents');
    sre = await createChannel(service, 'sre');
    dba = await createChannel(service, 'dba');
    sreHook = await createIntegration(service, { name: 'prometheus', channelId: sre.id });
    dbaHook = await createIntegration(service, { name: 'db-watch', channelId: dba.id });
    alice = await createMember(service, 'Alice', { email: 'alice@example.com' });
  });
  afterAll(async () => {
    await service.stop();
  });

  describe('list filters and paging', () => {
    // Five incidents made here, in order: s1 (sre), d1 (dba), s2 (sre), d2 (dba), s3 (sre).
    let s1: any, d1: any, s2: any, d2: any, s3: any;
    beforeAll(async () => {
      s1 = await triggerIncident(service, sreHook.url, 'list s1');
      await sleep(15);
      d1 = await triggerIncident(service, dbaHook.url, 'list d1');
      await sleep(15);
      s2 = await triggerIncident(service, sreHook.url, 'list s2');
      await sleep(15);
      d2 = await triggerIncident(service, dbaHook.url, 'list d2');
      await sleep(15);
      s3 = await triggerIncident(service, sreHook.url, 'list s3');
      expect((await service.api('POST', `/incidents/${s2.id}/acknowledge`)).status).toBe(200);
      expect((await service.api('POST', `/incidents/${d2.id}/close`)).status).toBe(200);
    });

    it('lists newest first with the incident fields', async () => {
      const list = await service.api('GET', '/incidents');
      expect(list.status).toBe(200);
      expect(ids(list)).toEqual([s3.id, d2.id, s2.id, d1.id, s1.id]);
      expect(list.body.nextBefore).toBeNull();
      expect(list.body.items[0]).toEqual({
        id: s3.id,
        channelId: sre.id,
        title: 'Feishu Alert',
        description: 'list s3',
        descriptionFormat: 'text',
        escalation: null,
        pagedResponders: [],
        severity: 'warning',
        status: 'triggered',
        alertCount: 1,
        acknowledgedAt: null,
        acknowledgedBy: null,
        closedAt: null,
        closedBy: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('filters by one status or a comma-separated list', async () => {
      expect(ids(await service.api('GET', '/incidents?status=triggered'))).toEqual([s3.id, d1.id, s1.id]);
      expect(ids(await service.api('GET', '/incidents?status=acknowledged'))).toEqual([s2.id]);
      expect(ids(await service.api('GET', '/incidents?status=closed'))).toEqual([d2.id]);
      expect(ids(await service.api('GET', '/incidents?status=triggered,acknowledged'))).toEqual([s3.id, s2.id, d1.id, s1.id]);
      expect(ids(await service.api('GET', '/incidents?status=acknowledged,%20closed'))).toEqual([d2.id, s2.id]);
    });

    it('filters by channel', async () => {
      expect(ids(await service.api('GET', `/incidents?channelId=${sre.id}`))).toEqual([s3.id, s2.id, s1.id]);
      expect(ids(await service.api('GET', `/incidents?channelId=${dba.id}`))).toEqual([d2.id, d1.id]);
      expect(ids(await service.api('GET', `/incidents?channelId=${dba.id}&status=triggered`))).toEqual([d1.id]);
      expect(ids(await service.api('GET', '/incidents?channelId=99999'))).toEqual([]);
    });

    it('filters by severity (Feishu alerts are all warning)', async () => {
      expect(ids(await service.api('GET', '/incidents?severity=warning'))).toEqual([s3.id, d2.id, s2.id, d1.id, s1.id]);
      expect(ids(await service.api('GET', '/incidents?severity=critical'))).toEqual([]);
      expect(ids(await service.api('GET', '/incidents?severity=info'))).toEqual([]);
    });

    it('since is inclusive and until exclusive, on createdAt', async () => {
      const since = encodeURIComponent(s2.createdAt);
      const until = encodeURIComponent(d2.createdAt);
      expect(ids(await service.api('GET', `/incidents?since=${since}`))).toEqual([s3.id, d2.id, s2.id]);
      expect(ids(await service.api('GET', `/incidents?until=${since}`))).toEqual([d1.id, s1.id]);
      expect(ids(await service.api('GET', `/incidents?since=${since}&until=${until}`))).toEqual([s2.id]);
      expect(ids(await service.api('GET', `/incidents?since=${since}&until=${until}&channelId=${dba.id}`))).toEqual([]);
    });

    it('since/until accept an offset and compare instants, not strings', async () => {
      // s2's creation instant written in UTC+08:00.
      const instant = new Date(s2.createdAt);
      const local = new Date(instant.getTime() + 8 * 3600_000).toISOString().replace('Z', '+08:00');
      expect(new Date(local).getTime()).toBe(instant.getTime());
      expect(ids(await service.api('GET', `/incidents?since=${encodeURIComponent(local)}`))).toEqual([s3.id, d2.id, s2.id]);
      // Only a millisecond later: s2 falls out.
      const justAfter = new Date(instant.getTime() + 1).toISOString();
      expect(ids(await service.api('GET', `/incidents?since=${encodeURIComponent(justAfter)}`))).toEqual([s3.id, d2.id]);
      // Wide windows around all of them.
      expect(ids(await service.api('GET', '/incidents?since=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z'))).toHaveLength(5);
      expect(ids(await service.api('GET', '/incidents?until=2000-01-01T00:00:00Z'))).toEqual([]);
    });

    it('pages with limit and the nextBefore cursor', async () => {
      const first = await service.api('GET', '/incidents?limit=2');
      expect(ids(first)).toEqual([s3.id, d2.id]);
      expect(first.body.nextBefore).toBe(d2.id);

      const second = await service.api('GET', `/incidents?limit=2&before=${first.body.nextBefore}`);
      expect(ids(second)).toEqual([s2.id, d1.id]);
      expect(second.body.nextBefore).toBe(d1.id);

      const third = await service.api('GET', `/incidents?limit=2&before=${second.body.nextBefore}`);
      expect(ids(third)).toEqual([s1.id]);
      expect(third.body.nextBefore).toBeNull();
    });

    it('pages within a filter', async () => {
      const first = await service.api('GET', `/incidents?channelId=${sre.id}&limit=1`);
      expect(ids(first)).toEqual([s3.id]);
      const second = await service.api('GET', `/incidents?channelId=${sre.id}&limit=1&before=${first.body.nextBefore}`);
      expect(ids(second)).toEqual([s2.id]);
      const third = await service.api('GET', `/incidents?channelId=${sre.id}&limit=5&before=${second.body.nextBefore}`);
      expect(ids(third)).toEqual([s1.id]);
      expect(third.body.nextBefore).toBeNull();
    });

    it.each([
      ['status=open', 'status'],
      ['status=triggered,bogus', 'status'],
      ['channelId=abc', 'channelId'],
      ['channelId=0', 'channelId'],
      ['severity=high', 'severity'],
      ['since=yesterday', 'since'],
      ['since=2024-01-01', 'since'],
      ['until=not-a-date', 'until'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=ten', 'limit'],
      ['before=-1', 'before'],
      ['before=x', 'before'],
      ['stauts=closed', 'stauts'],
    ])('?%s → 400 naming the filter', async (query, field) => {
      expectValidation(await service.api('GET', `/incidents?${query}`), field);
    });
  });

  describe('get', () => {
    it('shows the incident with its alerts and timeline', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'disk 91% on web-3');
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.status).toBe(200);
      expect(detail.body.incident).toEqual(incident);
      expect(detail.body.alerts).toEqual([
        expect.objectContaining({
          id: expect.any(Number),
          integrationId: sreHook.id,
          incidentId: incident.id,
          title: 'Feishu Alert',
          description: 'disk 91% on web-3',
          severity: 'warning',
          status: 'firing',
          eventCount: 1,
          resolvedAt: null,
        }),
      ]);
      expect(JSON.parse(detail.body.alerts[0].rawPayload)).toEqual({ msg_type: 'text', content: { text: 'disk 91% on web-3' } });
      expect(detail.body.timeline).toEqual([
        expect.objectContaining({
          kind: 'triggered',
          actorType: 'integration',
          actorId: sreHook.id,
          actorName: 'prometheus',
          detail: { alertId: detail.body.alerts[0].id },
        }),
      ]);
    });

    it('an incident absorbing repeats (by_title) shows one alert with its event count', async () => {
      const hook = await createIntegration(service, { name: 'dedupe', channelId: sre.id, pushMode: 'by_title' });
      await sendText(service, hook.url, 'first');
      await sendText(service, hook.url, 'second');
      const list = await service.api('GET', '/incidents?limit=1');
      const detail = await service.api('GET', `/incidents/${list.body.items[0].id}`);
      expect(detail.body.alerts).toHaveLength(1);
      expect(detail.body.alerts[0]).toMatchObject({ eventCount: 2, description: 'second' });
    });

    it('unknown → 404, malformed → 400', async () => {
      expectError(await service.api('GET', '/incidents/777777'), 404, 'not_found', '777777');
      expectValidation(await service.api('GET', '/incidents/abc'), 'id');
    });
  });

  describe('acknowledge', () => {
    it('as a member: the member is on the incident and the timeline', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'ack as member');
      const answer = await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.id });
      expect(answer.status).toBe(200);
      expect(answer.body.outcome).toBe('changed');
      expect(answer.body.incident).toMatchObject({ id: incident.id, status: 'acknowledged', acknowledgedBy: alice.id, acknowledgedAt: expect.any(String) });

      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.id });
      expect(detail.body.incident.acknowledgedAt).toBe(answer.body.incident.acknowledgedAt);
      const acks = detail.body.timeline.filter((entry: any) => entry.kind === 'acknowledged');
      expect(acks).toEqual([expect.objectContaining({ actorType: 'member', actorId: alice.id, actorName: 'Alice' })]);
    });

    it('without a member: the timeline says "admin API"', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'ack as admin');
      const answer = await service.api('POST', `/incidents/${incident.id}/acknowledge`);
      expect(answer.body).toMatchObject({ outcome: 'changed', incident: { status: 'acknowledged', acknowledgedBy: null } });
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.timeline.map((entry: any) => entry.kind)).toEqual(['triggered', 'acknowledged']);
      expect(detail.body.timeline[1]).toMatchObject({ actorType: 'admin', actorId: null, actorName: 'admin API' });
    });

    it('an empty JSON body works like no body', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'ack with {}');
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).body.outcome).toBe('changed');
    });

    it('twice: the second answers unchanged and leaves one timeline entry and the first acknowledger', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'double click');
      const first = await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.id });
      const second = await service.api('POST', `/incidents/${incident.id}/acknowledge`);
      expect(first.body.outcome).toBe('changed');
      expect(second.status).toBe(200);
      expect(second.body.outcome).toBe('unchanged');
      expect(second.body.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.id });
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.timeline.filter((entry: any) => entry.kind === 'acknowledged')).toHaveLength(1);
    });

    it('a memberId that does not exist → 400 naming memberId, and nothing changes', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'ghost member');
      expectValidation(await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: 8888 }), 'memberId');
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.incident.status).toBe('triggered');
      expect(detail.body.timeline).toHaveLength(1);
    });

    it.each([
      ['a memberId that is not a positive integer', { memberId: 'alice' }, 'memberId'],
      ['a memberId of 0', { memberId: 0 }, 'memberId'],
      ['an unknown field', { note: 'on it' }, 'note'],
    ])('with %s → 400', async (_label, body, field) => {
      const incident = await triggerIncident(service, sreHook.url, `bad ack body ${field}`);
      expectValidation(await service.api('POST', `/incidents/${incident.id}/acknowledge`, body), field);
    });

    it.each(['acknowledge', 'close', 'reopen'])('%s of an unknown incident → 404', async (action) => {
      expectError(await service.api('POST', `/incidents/666666/${action}`), 404, 'not_found', '666666');
    });
  });

  describe('close and reopen', () => {
    it('close resolves the firing alerts and records who closed it', async () => {
      const hook = await createIntegration(service, { name: 'closing', channelId: sre.id, pushMode: 'by_title' });
      await sendText(service, hook.url, 'queue backlog');
      const incident = (await service.api('GET', '/incidents?limit=1')).body.items[0];

      const closed = await service.api('POST', `/incidents/${incident.id}/close`, { memberId: alice.id });
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({ outcome: 'changed', incident: { status: 'closed', closedBy: alice.id, closedAt: expect.any(String) } });

      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.incident).toMatchObject({ status: 'closed', closedBy: alice.id });
      expect(detail.body.alerts).toEqual([expect.objectContaining({ status: 'resolved', resolvedAt: expect.any(String) })]);
      expect(detail.body.timeline.map((entry: any) => entry.kind)).toEqual(['triggered', 'closed']);
      expect(detail.body.timeline[1]).toMatchObject({ actorType: 'member', actorId: alice.id, actorName: 'Alice' });

      // The resolved alert no longer absorbs the same title: a new message opens a new incident.
      await sendText(service, hook.url, 'queue backlog again');
      const newest = (await service.api('GET', '/incidents?limit=1')).body.items[0];
      expect(newest.id).not.toBe(incident.id);
      expect(newest.status).toBe('triggered');
    });

    it('closing twice answers unchanged', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'close twice');
      expect((await service.api('POST', `/incidents/${incident.id}/close`)).body.outcome).toBe('changed');
      const again = await service.api('POST', `/incidents/${incident.id}/close`, { memberId: alice.id });
      expect(again.body).toMatchObject({ outcome: 'unchanged', incident: { status: 'closed', closedBy: null } });
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.timeline.filter((entry: any) => entry.kind === 'closed')).toHaveLength(1);
    });

    it('an acknowledged incident can be closed', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'ack then close');
      await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.id });
      const closed = await service.api('POST', `/incidents/${incident.id}/close`);
      expect(closed.body).toMatchObject({ outcome: 'changed', incident: { status: 'closed', acknowledgedBy: alice.id } });
    });

    it('acknowledging a closed incident → 409, and nothing changes', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'ack after close');
      await service.api('POST', `/incidents/${incident.id}/close`);
      expectError(await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.id }), 409, 'invalid_transition', /closed/);
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.incident).toMatchObject({ status: 'closed', acknowledgedBy: null, acknowledgedAt: null });
      expect(detail.body.timeline.map((entry: any) => entry.kind)).toEqual(['triggered', 'closed']);
    });

    it('reopen brings a closed incident back to triggered, clearing ack and close', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'reopen me');
      await service.api('POST', `/incidents/${incident.id}/acknowledge`, { memberId: alice.id });
      await service.api('POST', `/incidents/${incident.id}/close`, { memberId: alice.id });
      const reopened = await service.api('POST', `/incidents/${incident.id}/reopen`, { memberId: alice.id });
      expect(reopened.status).toBe(200);
      expect(reopened.body).toMatchObject({
        outcome: 'changed',
        incident: { status: 'triggered', acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null },
      });
      const detail = await service.api('GET', `/incidents/${incident.id}`);
      expect(detail.body.incident.status).toBe('triggered');
      expect(detail.body.timeline.map((entry: any) => entry.kind)).toEqual(['triggered', 'acknowledged', 'closed', 'reopened']);
      expect(detail.body.timeline[3]).toMatchObject({ actorType: 'member', actorName: 'Alice' });

      // Reopened, it can be acknowledged again.
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`)).body).toMatchObject({ outcome: 'changed', incident: { status: 'acknowledged' } });
    });

    it('reopening a triggered incident answers unchanged (as incident-status.ts says)', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'already open');
      const answer = await service.api('POST', `/incidents/${incident.id}/reopen`);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ outcome: 'unchanged', incident: { status: 'triggered' } });
      expect((await service.api('GET', `/incidents/${incident.id}`)).body.timeline).toHaveLength(1);
    });

    it('reopening an acknowledged incident → 409 (as incident-status.ts says)', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'acked, not closed');
      await service.api('POST', `/incidents/${incident.id}/acknowledge`);
      expectError(await service.api('POST', `/incidents/${incident.id}/reopen`), 409, 'invalid_transition', /only a closed incident/);
      expect((await service.api('GET', `/incidents/${incident.id}`)).body.incident.status).toBe('acknowledged');
    });

    it('unknown memberId on close → 400, incident stays open', async () => {
      const incident = await triggerIncident(service, sreHook.url, 'close by ghost');
      expectValidation(await service.api('POST', `/incidents/${incident.id}/close`, { memberId: 12345 }), 'memberId');
      expect((await service.api('GET', `/incidents/${incident.id}`)).body.incident.status).toBe('triggered');
    });
  });
});
