import type { DatabaseConfig } from '../../src/config/config.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase } from '../support/databases.js';
import { startServiceOn } from '../support/escalation-helpers.js';
import { FEISHU_SUCCESS, createIntegration, incidentDetail, incidentsOfChannel, postMessage } from '../support/feishu-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

const PARALLEL = 40;

const RESOLVE_RULES = [
  { action: 'close', conditions: [{ field: 'content', op: 'contains', value: 'RESOLVED' }], keyField: 'title', keyRegex: '(.*)' },
  { action: 'trigger', conditions: [], keyField: 'title', keyRegex: '(.*)' },
];

describe.each(DATABASE_KINDS)('concurrent Feishu messages on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'feishu_concurrency');
  });
  afterAll(async () => {
    await service.stop();
  });

  /** Fires all bodies at once with raw fetch, returning every HTTP status and parsed answer. */
  async function burst(path: string, bodies: object[]): Promise<Array<{ status: number; body: unknown }>> {
    return Promise.all(
      bodies.map(async (body) => {
        const response = await fetch(`${service.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep the text, so a failure shows what came back
        }
        return { status: response.status, body: parsed };
      }),
    );
  }

  function expectAllSuccess(answers: Array<{ status: number; body: unknown }>): void {
    const failures = answers.filter((answer) => answer.status !== 200 || JSON.stringify(answer.body) !== JSON.stringify(FEISHU_SUCCESS));
    expect(failures).toEqual([]);
    expect(answers).toHaveLength(PARALLEL);
  }

  it(`by_title: ${PARALLEL} simultaneous messages with one title make one alert (eventCount ${PARALLEL}) and one incident`, async () => {
    const integration = await createIntegration(service, { pushMode: 'by_title' });
    const bodies = Array.from({ length: PARALLEL }, (_, i) => postMessage('Thundering herd', `event ${i}`));
    expectAllSuccess(await burst(integration.path, bodies));

    const incidents = await incidentsOfChannel(service, integration.channelId);
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ title: 'Thundering herd', status: 'triggered', severity: 'warning', alertCount: 1 });
    const detail = await incidentDetail(service, incidents[0].id);
    expect(detail.alerts).toHaveLength(1);
    expect(detail.alerts[0]).toMatchObject({ eventCount: PARALLEL, status: 'firing' });
    expect(detail.timeline.map((event) => event.kind)).toEqual(['triggered']);
  });

  it(`by_rules: ${PARALLEL} simultaneous messages with one key make one alert`, async () => {
    const integration = await createIntegration(service, { pushMode: 'by_rules', pushRules: RESOLVE_RULES });
    const bodies = Array.from({ length: PARALLEL }, (_, i) => postMessage('Herd by key', `FIRING ${i}`));
    expectAllSuccess(await burst(integration.path, bodies));

    const incidents = await incidentsOfChannel(service, integration.channelId);
    expect(incidents).toHaveLength(1);
    const detail = await incidentDetail(service, incidents[0].id);
    expect(detail.alerts).toHaveLength(1);
    expect(detail.alerts[0]).toMatchObject({ alertKey: 'Herd by key', eventCount: PARALLEL, status: 'firing' });

    // And the resolve closes it.
    expectAllSuccess(await burst(integration.path, Array.from({ length: PARALLEL }, () => postMessage('Herd by key', 'RESOLVED'))));
    const closed = await incidentDetail(service, incidents[0].id);
    expect(closed.incident.status).toBe('closed');
    expect(closed.timeline.map((event) => event.kind)).toEqual(['triggered', 'alert_resolved', 'closed']);
  });

  it(`by_title: ${PARALLEL} simultaneous messages over 4 titles make exactly 4 alerts of 10 events each`, async () => {
    const integration = await createIntegration(service, { pushMode: 'by_title' });
    const bodies = Array.from({ length: PARALLEL }, (_, i) => postMessage(`Herd ${i % 4}`, `event ${i}`));
    expectAllSuccess(await burst(integration.path, bodies));
    const incidents = await incidentsOfChannel(service, integration.channelId);
    expect(incidents.map((incident) => incident.title).sort()).toEqual(['Herd 0', 'Herd 1', 'Herd 2', 'Herd 3']);
    for (const incident of incidents) {
      const detail = await incidentDetail(service, incident.id);
      expect(detail.alerts).toHaveLength(1);
      expect(detail.alerts[0].eventCount).toBe(PARALLEL / 4);
    }
  });

  it(`five rounds of ${PARALLEL} simultaneous first messages over 8 titles never fail and never duplicate an alert`, async () => {
    for (let round = 0; round < 5; round++) {
      const integration = await createIntegration(service, { pushMode: round % 2 === 0 ? 'by_title' : 'by_rules', pushRules: RESOLVE_RULES });
      const bodies = Array.from({ length: PARALLEL }, (_, i) => postMessage(`Round ${round} key ${i % 8}`, `FIRING ${i}`));
      expectAllSuccess(await burst(integration.path, bodies));
      const incidents = await incidentsOfChannel(service, integration.channelId);
      expect(incidents).toHaveLength(8);
      const counts = await Promise.all(incidents.map(async (incident) => (await incidentDetail(service, incident.id)).alerts.map((alert) => alert.eventCount)));
      expect(counts).toEqual(Array.from({ length: 8 }, () => [PARALLEL / 8]));
    }
  });
});

describe('concurrent Feishu messages at two instances on one MariaDB database', () => {
  let database: DatabaseConfig;
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    database = await freshDatabase('mariadb', 'feishu_concurrency_two');
    a = await startServiceOn(database);
    b = await startServiceOn(database);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    if (database) await dropDatabase(database);
  });

  it.each([
    ['by_title', {}],
    ['by_rules', { pushRules: RESOLVE_RULES }],
  ])(`%s: ${PARALLEL} simultaneous messages over 4 keys, split between the instances, make exactly 4 open alerts`, async (pushMode, extra) => {
    const integration = await createIntegration(a, { pushMode, ...extra });
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => (i % 2 === 0 ? a : b).post(integration.path, postMessage(`Split herd ${i % 4}`, `FIRING ${i}`))),
    );
    expect(answers.filter((answer) => answer.status !== 200 || answer.body?.code !== 0)).toEqual([]);
    const incidents = await incidentsOfChannel(b, integration.channelId);
    expect(incidents.map((incident) => incident.title).sort()).toEqual(['Split herd 0', 'Split herd 1', 'Split herd 2', 'Split herd 3']);
    for (const incident of incidents) {
      const detail = await incidentDetail(a, incident.id);
      expect(detail.alerts.map((alert) => ({ status: alert.status, eventCount: alert.eventCount }))).toEqual([{ status: 'firing', eventCount: PARALLEL / 4 }]);
    }
  });
});
