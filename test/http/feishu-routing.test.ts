import { expectError } from '../support/admin-helpers.js';
import { DATABASE_KINDS } from '../support/databases.js';
import {
  FEISHU_SUCCESS,
  createChannel,
  createIntegration,
  fixtureText,
  incidentDetail,
  incidentsOfChannel,
  postMessage,
} from '../support/feishu-helpers.js';
import { BACKREFERENCE_PATTERN, CATASTROPHIC_PATTERN, HOSTILE_TITLE, LOOKAHEAD_PATTERN, whileHealthAnswers } from '../support/hostile-regex.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('shared Feishu integration routing on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'feishu_routing');
  });
  afterAll(async () => {
    await service.stop();
  });

  async function send(path: string, body: string | object): Promise<void> {
    expect(await service.post(path, body)).toEqual({ status: 200, body: FEISHU_SUCCESS });
  }

  async function titlesIn(channelId: number): Promise<string[]> {
    return (await incidentsOfChannel(service, channelId)).map((incident) => incident.title).sort();
  }

  it('routes by title contains and content regex, first match wins, else the default channel', async () => {
    const dba = await createChannel(service, 'dba');
    const payments = await createChannel(service, 'payments');
    const fallback = await createChannel(service, 'ops');
    const integration = await createIntegration(service, {
      kind: 'shared',
      defaultChannelId: fallback,
      routes: [
        { conditions: [{ field: 'title', op: 'contains', value: '数据库' }], channelId: dba },
        { conditions: [{ field: 'content', op: 'regex', value: '/service:\\W*payment-/i' }], channelId: payments },
        // Would also match the card below, but the earlier route wins.
        { conditions: [{ field: 'any', op: 'contains', value: 'payment' }], channelId: dba },
      ],
    });
    expect(integration.body).toMatchObject({ kind: 'shared', channelId: null, defaultChannelId: fallback });

    await send(integration.path, fixtureText('post-zh_cn.json'));
    await send(integration.path, fixtureText('interactive-card-v2.json'));
    await send(integration.path, fixtureText('post-en_us.json'));
    await send(integration.path, fixtureText('text.json'));

    expect(await titlesIn(dba)).toEqual(['数据库 CPU 告警']);
    expect(await titlesIn(payments)).toEqual(['Payment API 5xx rate above 5%']);
    expect(await titlesIn(fallback)).toEqual(['Feishu Alert', 'Kafka consumer lag high']);
    for (const channelId of [dba, payments, fallback]) {
      for (const incident of await incidentsOfChannel(service, channelId)) expect(incident.severity).toBe('warning');
    }
  });

  it('a route needs all of its conditions to hold', async () => {
    const target = await createChannel(service);
    const fallback = await createChannel(service);
    const integration = await createIntegration(service, {
      kind: 'shared',
      defaultChannelId: fallback,
      routes: [
        {
          conditions: [
            { field: 'title', op: 'contains', value: 'Disk' },
            { field: 'content', op: 'regex', value: '\\bprod\\b' },
          ],
          channelId: target,
        },
      ],
    });
    await send(integration.path, postMessage('Disk full', 'env=prod host=web-1'));
    await send(integration.path, postMessage('Disk full', 'env=staging host=web-9'));
    await send(integration.path, postMessage('CPU high', 'env=prod host=web-1'));
    expect(await titlesIn(target)).toEqual(['Disk full']);
    expect(await titlesIn(fallback)).toEqual(['CPU high', 'Disk full']);
  });

  it('a shared integration without routes sends everything to the default channel', async () => {
    const fallback = await createChannel(service);
    const integration = await createIntegration(service, { kind: 'shared', defaultChannelId: fallback });
    expect(integration.body.routes).toEqual([]);
    await send(integration.path, fixtureText('interactive-card-v1-grafana.json'));
    await send(integration.legacyPath, fixtureText('legacy-v1.json'));
    expect(await titlesIn(fallback)).toEqual(['Backup failed', '[FIRING:1] HighCPUUsage (db-1 critical)']);
  });

  it('by_title dedupe follows the alert, not the route: an update stays in the channel the incident was opened in', async () => {
    const routed = await createChannel(service);
    const fallback = await createChannel(service);
    const integration = await createIntegration(service, {
      kind: 'shared',
      defaultChannelId: fallback,
      pushMode: 'by_title',
      routes: [{ conditions: [{ field: 'content', op: 'contains', value: 'prod' }], channelId: routed }],
    });
    await send(integration.path, postMessage('API errors', 'env=prod'));
    await send(integration.path, postMessage('API errors', 'env=unknown'));
    const incidents = await incidentsOfChannel(service, routed);
    expect(incidents).toHaveLength(1);
    expect((await incidentDetail(service, incidents[0].id)).alerts[0]).toMatchObject({ eventCount: 2, description: 'env=unknown' });
    expect(await incidentsOfChannel(service, fallback)).toEqual([]);
  });

  it('the admin API refuses a shared integration without a default channel or with an unknown route channel', async () => {
    const fallback = await createChannel(service);
    const missingDefault = await service.api('POST', '/integrations', { name: 'x', kind: 'shared' });
    expect(missingDefault.status).toBe(400);
    const unknownChannel = await service.api('POST', '/integrations', {
      name: 'x',
      kind: 'shared',
      defaultChannelId: fallback,
      routes: [{ conditions: [{ field: 'title', op: 'contains', value: 'a' }], channelId: 999999 }],
    });
    expect(unknownChannel.status).toBe(400);
    const badRegex = await service.api('POST', '/integrations', {
      name: 'x',
      kind: 'shared',
      defaultChannelId: fallback,
      routes: [{ conditions: [{ field: 'title', op: 'regex', value: '(' }], channelId: fallback }],
    });
    expect(badRegex.status).toBe(400);
  });

  it(`a route on ${CATASTROPHIC_PATTERN}: a 40-character "aaa…!" title goes to the default channel while /healthz answers`, async () => {
    const routed = await createChannel(service);
    const fallback = await createChannel(service);
    const integration = await createIntegration(service, {
      kind: 'shared',
      defaultChannelId: fallback,
      routes: [{ conditions: [{ field: 'title', op: 'regex', value: CATASTROPHIC_PATTERN }], channelId: routed }],
    });
    await whileHealthAnswers(service.url, () => send(integration.path, postMessage(HOSTILE_TITLE, 'x')));
    expect(await titlesIn(fallback)).toEqual([HOSTILE_TITLE]);
    // The route does match where it should.
    await whileHealthAnswers(service.url, () => send(integration.path, postMessage('aaaaaaaa', 'x')));
    expect(await titlesIn(routed)).toEqual(['aaaaaaaa']);
  });

  it.each([
    ['a backreference', BACKREFERENCE_PATTERN, /routes\.0\.conditions\.0\.value: is not a valid regular expression: backreferences .* not supported/],
    ['a lookahead', LOOKAHEAD_PATTERN, /routes\.0\.conditions\.0\.value: is not a valid regular expression: lookarounds .* not supported/],
  ])('a route condition with %s is refused with a 400 saying why', async (_name, value, message) => {
    const fallback = await createChannel(service);
    const answer = await service.api('POST', '/integrations', {
      name: 'x',
      kind: 'shared',
      defaultChannelId: fallback,
      routes: [{ conditions: [{ field: 'title', op: 'regex', value }], channelId: fallback }],
    });
    expectError(answer, 400, 'validation', message);
  });
});
