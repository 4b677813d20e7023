import { IntegrationEntity } from '../../src/db/entities/integration.entity.js';
import { expectError } from '../support/admin-helpers.js';
import { CapturedLog } from '../support/captured-log.js';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  FEISHU_SUCCESS,
  createChannel,
  createIntegration,
  incidentCount,
  incidentDetail,
  incidentsOfChannel,
  postMessage,
} from '../support/feishu-helpers.js';
import { BACKREFERENCE_PATTERN, CATASTROPHIC_PATTERN, HOSTILE_TITLE, LOOKAHEAD_PATTERN, whileHealthAnswers } from '../support/hostile-regex.js';
import { startTestService, type TestService } from '../support/test-service.js';

/** The README's "close when resolved" setup. */
const RESOLVE_RULES = [
  { action: 'close', conditions: [{ field: 'content', op: 'contains', value: 'RESOLVED' }], keyField: 'title', keyRegex: '(.*)' },
  { action: 'trigger', conditions: [], keyField: 'title', keyRegex: '(.*)' },
];

describe.each(DATABASE_KINDS)('Feishu push modes over HTTP on %s', (kind) => {
  let service: TestService;
  const log = new CapturedLog();
  beforeAll(async () => {
    service = await startTestService(kind, 'feishu_push_modes', { logLevel: 'warn' }, log);
  });
  afterAll(async () => {
    await service.stop();
  });

  async function send(path: string, body: object): Promise<void> {
    const answer = await service.post(path, body);
    expect(answer).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  describe('always_new (default)', () => {
    it('the same message twice makes two incidents', async () => {
      const integration = await createIntegration(service);
      await send(integration.path, postMessage('Disk full', 'web-1'));
      await send(integration.path, postMessage('Disk full', 'web-1'));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(2);
      for (const incident of incidents) expect((await incidentDetail(service, incident.id)).alerts[0].eventCount).toBe(1);
    });
  });

  describe('by_title', () => {
    it('the same title twice updates one alert (eventCount 2) of one incident; another title opens a new incident', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_title' });
      await send(integration.path, postMessage('CPU high on db-1', 'value 91%'));
      await send(integration.path, postMessage('CPU high on db-1', 'value 97%'));

      let incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]).toMatchObject({ title: 'CPU high on db-1', status: 'triggered', severity: 'warning', alertCount: 1 });
      const detail = await incidentDetail(service, incidents[0].id);
      expect(detail.alerts).toHaveLength(1);
      expect(detail.alerts[0]).toMatchObject({ title: 'CPU high on db-1', description: 'value 97%', eventCount: 2, status: 'firing', severity: 'warning' });
      expect(new Date(detail.alerts[0].lastSeenAt).getTime()).toBeGreaterThanOrEqual(new Date(detail.alerts[0].firstSeenAt).getTime());

      await send(integration.path, postMessage('CPU high on db-2', 'value 93%'));
      incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents.map((incident) => incident.title)).toEqual(['CPU high on db-2', 'CPU high on db-1']);
      expect((await incidentDetail(service, incidents[0].id)).alerts[0].eventCount).toBe(1);
    });

    it('text messages all share the title "Feishu Alert", so they fold into one alert', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_title' });
      await send(integration.path, { msg_type: 'text', content: { text: 'first' } });
      await send(integration.path, { msg_type: 'text', content: { text: 'second' } });
      await send(integration.path, { msg_type: 'text', content: { text: 'third' } });
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect((await incidentDetail(service, incidents[0].id)).alerts[0]).toMatchObject({ eventCount: 3, description: 'third' });
    });

    it('titles are per integration: two integrations with the same title make two incidents', async () => {
      const first = await createIntegration(service, { pushMode: 'by_title' });
      const second = await createIntegration(service, { pushMode: 'by_title', channelId: first.channelId });
      await send(first.path, postMessage('Shared title', 'a'));
      await send(second.path, postMessage('Shared title', 'b'));
      expect(await incidentsOfChannel(service, first.channelId)).toHaveLength(2);
    });

    it('after a person closes the incident (POST /incidents/:id/close) the same title opens a new incident', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_title' });
      await send(integration.path, postMessage('Queue backlog', 'orders: 5000'));
      const [first] = await incidentsOfChannel(service, integration.channelId);

      const closed = await service.api('POST', `/incidents/${first.id}/close`, {});
      expect(closed.status).toBe(200);
      expect(closed.body.outcome).toBe('changed');
      const closedDetail = await incidentDetail(service, first.id);
      expect(closedDetail.incident.status).toBe('closed');
      expect(closedDetail.alerts[0].status).toBe('resolved');

      await send(integration.path, postMessage('Queue backlog', 'orders: 7000'));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(2);
      const [second] = incidents;
      expect(second.id).not.toBe(first.id);
      expect(second).toMatchObject({ title: 'Queue backlog', description: 'orders: 7000', status: 'triggered' });
      expect((await incidentDetail(service, second.id)).alerts[0].eventCount).toBe(1);
      // The closed incident is left alone.
      const after = await incidentDetail(service, first.id);
      expect(after.incident.status).toBe('closed');
      expect(after.alerts[0].eventCount).toBe(1);
    });

    it('a title over 512 characters (cut inside an emoji) is stored cut and still dedupes', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_title' });
      const title = `a${'🔥'.repeat(300)}`;
      await send(integration.path, postMessage(title, 'first'));
      await send(integration.path, postMessage(title, 'second'));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect(incidents[0].title).toBe(`a${'🔥'.repeat(255)}`);
      expect((await incidentDetail(service, incidents[0].id)).alerts[0]).toMatchObject({
        eventCount: 2,
        description: 'second',
        title: `a${'🔥'.repeat(255)}`,
        alertKey: `a${'🔥'.repeat(255)}`,
      });
    });

    it('an acknowledged incident keeps absorbing its title', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_title' });
      await send(integration.path, postMessage('Latency p99', '1.2s'));
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
      await send(integration.path, postMessage('Latency p99', '1.5s'));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect(incidents[0].status).toBe('acknowledged');
      expect((await incidentDetail(service, incident.id)).alerts[0].eventCount).toBe(2);
    });
  });

  describe('by_rules with the "close when RESOLVED" example', () => {
    it('fire then resolve closes the alert and the incident; firing again opens a new incident', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
      await send(integration.path, postMessage('HighCPU db-1', '[FIRING] cpu 95%'));
      await send(integration.path, postMessage('HighCPU db-1', '[FIRING] cpu 97%'));
      let incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      const firstId = incidents[0].id;
      expect((await incidentDetail(service, firstId)).alerts[0]).toMatchObject({ alertKey: 'HighCPU db-1', eventCount: 2, status: 'firing' });

      await send(integration.path, postMessage('HighCPU db-1', '[RESOLVED] cpu 40%'));
      const resolved = await incidentDetail(service, firstId);
      expect(resolved.incident).toMatchObject({ status: 'closed' });
      expect(resolved.incident.closedAt).not.toBeNull();
      expect(resolved.alerts).toHaveLength(1);
      expect(resolved.alerts[0]).toMatchObject({ status: 'resolved', alertKey: 'HighCPU db-1' });
      expect(resolved.alerts[0].resolvedAt).not.toBeNull();
      expect(resolved.timeline.map((event) => event.kind)).toEqual(['triggered', 'alert_resolved', 'closed']);
      // The resolve message is not stored as an incident of its own.
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);

      await send(integration.path, postMessage('HighCPU db-1', '[FIRING] cpu 96%'));
      incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(2);
      expect(incidents[0].id).not.toBe(firstId);
      expect(incidents[0]).toMatchObject({ title: 'HighCPU db-1', description: '[FIRING] cpu 96%', status: 'triggered' });
      expect((await incidentDetail(service, firstId)).incident.status).toBe('closed');
    });

    it('resolving one key leaves other keys firing', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
      await send(integration.path, postMessage('HighCPU db-1', 'firing'));
      await send(integration.path, postMessage('HighCPU db-2', 'firing'));
      await send(integration.path, postMessage('HighCPU db-2', 'RESOLVED'));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(2);
      const byTitle = Object.fromEntries(incidents.map((incident) => [incident.title, incident.status]));
      expect(byTitle).toEqual({ 'HighCPU db-1': 'triggered', 'HighCPU db-2': 'closed' });
    });

    it('a close for an unknown key is answered success and stores nothing', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
      const before = await incidentCount(service);
      await send(integration.path, postMessage('Never fired', 'RESOLVED'));
      expect(await incidentCount(service)).toBe(before);
      expect(await incidentsOfChannel(service, integration.channelId)).toEqual([]);
    });

    it('a second resolve for an already closed key is answered success and changes nothing', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
      await send(integration.path, postMessage('Flappy', 'firing'));
      await send(integration.path, postMessage('Flappy', 'RESOLVED'));
      await send(integration.path, postMessage('Flappy', 'RESOLVED'));
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      expect((await incidentDetail(service, incident.id)).timeline.map((event) => event.kind)).toEqual(['triggered', 'alert_resolved', 'closed']);
    });

    it('extracts the Alert Key with the rule regex so differently worded messages pair up', async () => {
      const rules = [
        { action: 'close', conditions: [{ field: 'title', op: 'regex', value: '^\\[RESOLVED\\]' }], keyField: 'title', keyRegex: '\\] (\\S+)' },
        { action: 'trigger', conditions: [{ field: 'title', op: 'regex', value: '^\\[FIRING' }], keyField: 'title', keyRegex: '\\] (\\S+)' },
      ];
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: rules });
      await send(integration.path, postMessage('[FIRING:1] DiskFull web-1', 'disk 97%'));
      await send(integration.path, postMessage('[RESOLVED] DiskFull web-1', 'disk 60%'));
      const [incident] = await incidentsOfChannel(service, integration.channelId);
      const detail = await incidentDetail(service, incident.id);
      expect(detail.incident.status).toBe('closed');
      expect(detail.alerts[0].alertKey).toBe('DiskFull');
    });

    it('discardUnmatched: true answers success for an unmatched message and stores nothing', async () => {
      const rules = [
        { action: 'close', conditions: [{ field: 'content', op: 'contains', value: 'RESOLVED' }], keyField: 'title', keyRegex: '(.*)' },
        { action: 'trigger', conditions: [{ field: 'content', op: 'contains', value: 'FIRING' }], keyField: 'title', keyRegex: '(.*)' },
      ];
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: rules, discardUnmatched: true });
      const before = await incidentCount(service);
      await send(integration.path, postMessage('Heartbeat', 'all good'));
      await send(integration.path, { msg_type: 'text', content: { text: 'just chatting' } });
      expect(await incidentCount(service)).toBe(before);

      await send(integration.path, postMessage('Heartbeat', 'FIRING: missed'));
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);
    });

    it('discardUnmatched: false lets an unmatched message trigger, keyed by its title', async () => {
      const rules = [{ action: 'trigger', conditions: [{ field: 'content', op: 'contains', value: 'FIRING' }], keyField: 'title', keyRegex: '(.*)' }];
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: rules, discardUnmatched: false });
      await send(integration.path, postMessage('Heartbeat', 'all good'));
      await send(integration.path, postMessage('Heartbeat', 'still good'));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(1);
      expect((await incidentDetail(service, incidents[0].id)).alerts[0]).toMatchObject({ alertKey: 'Heartbeat', eventCount: 2 });
    });

    it('a person closing the incident resolves its alert; a later RESOLVED is a no-op and a new firing opens a new incident', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
      await send(integration.path, postMessage('Replica lag', 'FIRING 30s'));
      const [first] = await incidentsOfChannel(service, integration.channelId);
      expect((await service.api('POST', `/incidents/${first.id}/close`, {})).status).toBe(200);
      await send(integration.path, postMessage('Replica lag', 'RESOLVED'));
      expect((await incidentDetail(service, first.id)).timeline.map((event) => event.kind)).toEqual(['triggered', 'closed']);
      await send(integration.path, postMessage('Replica lag', 'FIRING 45s'));
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(2);
    });
  });
  describe('admin-supplied regexes run in linear time', () => {
    it(`${CATASTROPHIC_PATTERN} as a push rule condition and key regex: a 40-character "aaa…!" title is answered while /healthz answers`, async () => {
      const rules = [
        { action: 'close', conditions: [{ field: 'title', op: 'regex', value: CATASTROPHIC_PATTERN }], keyField: 'title' },
        { action: 'trigger', conditions: [{ field: 'content', op: 'contains', value: 'FIRING' }], keyField: 'title', keyRegex: CATASTROPHIC_PATTERN },
      ];
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: rules, discardUnmatched: true });
      // The close condition does not hold ("!"), and the key regex finds nothing, so the title is the key.
      await whileHealthAnswers(service.url, () => send(integration.path, postMessage(HOSTILE_TITLE, 'FIRING')));
      const [incident, ...others] = await incidentsOfChannel(service, integration.channelId);
      expect(others).toEqual([]);
      expect((await incidentDetail(service, incident.id)).alerts[0]).toMatchObject({ title: HOSTILE_TITLE, alertKey: HOSTILE_TITLE, status: 'firing' });
      // The same pattern does match where it should: "aaaa" is a close (of a key that never fired).
      await whileHealthAnswers(service.url, () => send(integration.path, postMessage('aaaa', 'FIRING')));
      expect(await incidentsOfChannel(service, integration.channelId)).toHaveLength(1);
    });

    it.each<[string, object, RegExp]>([
      ['a backreference in a condition', { conditions: [{ field: 'title', op: 'regex', value: BACKREFERENCE_PATTERN }] }, /pushRules\.0\.conditions\.0\.value: is not a valid regular expression: backreferences .* not supported/],
      ['a lookahead in the key regex', { keyRegex: LOOKAHEAD_PATTERN }, /pushRules\.0\.keyRegex: is not a valid regular expression: lookarounds .* not supported/],
      ['the sticky flag', { keyRegex: '/db-(\\d+)/y' }, /pushRules\.0\.keyRegex: .*the flag "y" is not supported; use i, m, s/],
    ])('%s is refused with a 400 saying why, nothing created', async (_name, rule, message) => {
      const before = (await service.api('GET', '/integrations')).body.items.length;
      const answer = await service.api('POST', '/integrations', {
        name: 'refused',
        channelId: await createChannel(service),
        pushMode: 'by_rules',
        pushRules: [{ action: 'trigger', ...rule }],
      });
      expectError(answer, 400, 'validation', message);
      expect((await service.api('GET', '/integrations')).body.items).toHaveLength(before);
    });

    it('a rule saved before RE2 with a pattern it cannot run is skipped (not matching, key from the title), logged once', async () => {
      const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: [{ action: 'trigger' }] });
      // Written as an older version stored them, bypassing today's validation. Unique per database: logged once per process.
      const closeIf = `(${kind})\\1`;
      const keyRegex = `(${kind}-key)(?=!)`;
      await service.db.manager.update(IntegrationEntity, integration.id, {
        pushRules: [
          { action: 'close', conditions: [{ field: 'title', op: 'regex', value: closeIf }], keyField: 'title' },
          { action: 'trigger', conditions: [], keyField: 'title', keyRegex },
        ],
      });
      // V8 would have matched both: the backreference (a close) and the lookahead (key "<kind>-key").
      const title = `${kind}${kind} ${kind}-key!`;
      await send(integration.path, postMessage(title, 'FIRING'));
      await send(integration.path, postMessage(title, 'FIRING'));
      const [incident, ...others] = await incidentsOfChannel(service, integration.channelId);
      expect(others).toEqual([]);
      expect((await incidentDetail(service, incident.id)).alerts[0]).toMatchObject({ alertKey: title, eventCount: 2, status: 'firing' });
      const logged = log.entries(/saved regex cannot run/).filter((entry) => [closeIf, keyRegex].includes(entry.pattern as string));
      expect(logged).toEqual([
        expect.objectContaining({ level: 40, pattern: closeIf, reason: expect.stringMatching(/backreferences/) }),
        expect.objectContaining({ level: 40, pattern: keyRegex, reason: expect.stringMatching(/lookarounds/) }),
      ]);
    });
  });
});
