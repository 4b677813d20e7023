/**
 * GET /metrics, scraped over HTTP after real traffic: alerts through the Feishu-compatible endpoint, a card posted to
 * the fake Feishu and updated, a click answered, escalation steps on schedule and by a person, pages delivered and
 * not, the open incidents and the database/Redis round trips counted at scrape time. Counters are compared as
 * deltas between scrapes around each step.
 */
import { randomUUID } from 'node:crypto';
import { createLogger } from '../../src/lib/logger.js';
import { startService, type RunningService } from '../../src/app/start-service.js';
import { DATABASE_KINDS, dropDatabase, freshDatabase, MARIADB_ROOT_URL } from '../support/databases.js';
import { serviceClient } from '../support/escalation-helpers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { FEISHU_MSG_TYPE_NEEDED, FEISHU_SUCCESS, FEISHU_TOKEN_INVALID } from '../support/feishu-helpers.js';
import { randomHex, waitFor } from '../support/feishu-app-helpers.js';
import { FeishuAppWorld, type BoundChat, type Person } from '../support/feishu-app-world.js';
import { scrape, valueOf, type Sample } from '../support/prometheus-text.js';
import { TEST_ADMIN_TOKEN, hookPath, startTestService, testServiceConfig, type TestService } from '../support/test-service.js';

const MESSAGES_PATH = '/open-apis/im/v1/messages';

describe.each(DATABASE_KINDS)('GET /metrics on %s', (kind) => {
  let world: FeishuAppWorld;
  let service: TestService;

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'metrics');
    service = world.service;
  }, 30_000);
  afterAll(async () => {
    await world?.stop();
  });

  /** How much a sample grew between two scrapes. */
  const grew = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels);

  async function teamWithRule(alice: Person): Promise<BoundChat> {
    const setup = await world.boundChat({ members: [alice.user.open_id] });
    const level = { memberIds: [alice.member!.id], waitMinutes: 10, notifyGroupChats: true, notifyDirect: false };
    const rule = await service.api('POST', `/channels/${setup.channel.id}/escalation-rules`, { name: 'page Alice', levels: [level, level] });
    expect(rule.status).toBe(201);
    return setup;
  }

  const noticesIn = (chatId: string) => world.fake.state.messagesInChat(chatId).filter((message) => message.msgType === 'text');

  it('counts alerts, cards, a click, escalation steps and pages by the right amounts; incidents and round trips are read at scrape', async () => {
    const alice = await world.person('Alice');
    const setup = await teamWithRule(alice);
    // Hostile text with what looks like label syntax: it must never reach a label value.
    const title = `Disk full "} oncall_alerts_received_total{integration="666"} 9 ${randomHex(4)}`;

    const start = await scrape(service.url);
    const { incident, card } = await world.triggerWithCard(setup, title);
    await waitFor('the level-1 page', () => noticesIn(setup.chatId)[0]);
    await service.services.escalations.idle();
    await service.services.cards.idle();
    const triggered = await scrape(service.url);

    const integration = String(setup.integration.id);
    expect(grew(start, triggered, 'oncall_alerts_received_total', { integration, outcome: 'accepted', code: '' })).toBe(1);
    expect(grew(start, triggered, 'oncall_card_calls_total', { platform: 'feishu', operation: 'post' })).toBe(1);
    expect(grew(start, triggered, 'oncall_escalation_steps_fired_total', { trigger: 'schedule' })).toBe(1);
    expect(grew(start, triggered, 'oncall_escalation_step_lateness_seconds_count')).toBe(1);
    expect(grew(start, triggered, 'oncall_page_messages_total', { destination: 'feishu', outcome: 'delivered' })).toBe(1);
    expect(valueOf(triggered, 'oncall_incidents', { status: 'triggered' })).toBe(1);
    expect(valueOf(triggered, 'oncall_incidents', { status: 'acknowledged' })).toBe(0);

    // Refused alerts: one without msg_type on the integration's URL, one on a key no integration has.
    expect(await service.post(setup.integration.path, { content: { text: 'no type' } })).toEqual({ status: 200, body: FEISHU_MSG_TYPE_NEEDED });
    expect(await service.post(`/open-apis/bot/v2/hook/${randomUUID()}`, { msg_type: 'text', content: { text: 'x' } })).toEqual({ status: 200, body: FEISHU_TOKEN_INVALID });
    const refused = await scrape(service.url);
    expect(grew(triggered, refused, 'oncall_alerts_received_total', { integration, outcome: 'rejected', code: '19002' })).toBe(1);
    expect(grew(triggered, refused, 'oncall_alerts_received_total', { integration: '0', outcome: 'rejected', code: '19001' })).toBe(1);
    expect(grew(triggered, refused, 'oncall_alerts_received_total', { integration, outcome: 'accepted' })).toBe(0);

    // Alice presses Escalate: a step by a person, whose group notice Feishu refuses for good (the bot left the chat).
    world.fake.state.injectFailures.push({
      method: 'POST',
      pathPrefix: MESSAGES_PATH,
      status: 400,
      body: { code: 230002, msg: 'Bot/User can NOT be out of the chat.' },
      match: (request) => (request.body as any)?.msg_type === 'text' && (request.body as any)?.receive_id === setup.chatId,
    });
    await world.clickCard(alice.user.open_id, 'escalate', incident.id, card);
    await service.services.escalations.idle();
    await service.services.cards.idle();
    expect(world.fake.state.injectFailures).toEqual([]);
    const escalated = await scrape(service.url);
    expect(grew(refused, escalated, 'oncall_callback_answer_seconds_count', { platform: 'feishu' })).toBe(1);
    expect(grew(refused, escalated, 'oncall_callback_answer_seconds_bucket', { platform: 'feishu', le: '3' })).toBe(1);
    expect(grew(refused, escalated, 'oncall_callback_answer_seconds_sum', { platform: 'feishu' })).toBeGreaterThan(0);
    expect(grew(refused, escalated, 'oncall_escalation_steps_fired_total', { trigger: 'person' })).toBe(1);
    expect(grew(refused, escalated, 'oncall_escalation_steps_fired_total', { trigger: 'schedule' })).toBe(0);
    expect(grew(refused, escalated, 'oncall_escalation_step_lateness_seconds_count')).toBe(0);
    expect(grew(refused, escalated, 'oncall_page_messages_total', { destination: 'feishu', outcome: 'undelivered', kind: 'target_gone' })).toBe(1);
    expect(grew(refused, escalated, 'oncall_page_messages_total', { destination: 'feishu', outcome: 'delivered' })).toBe(0);

    // Acknowledged through the admin API; Feishu refuses the card's update (a permission the app lacks).
    world.fake.state.injectFailures.push({
      method: 'PATCH',
      pathPrefix: `${MESSAGES_PATH}/${card.messageId}`,
      status: 400,
      body: { code: 230027, msg: 'Lack of necessary permissions' },
    });
    expect((await service.api('POST', `/incidents/${incident.id}/acknowledge`, {})).status).toBe(200);
    await service.services.cards.idle();
    expect(world.fake.state.injectFailures).toEqual([]);
    const acknowledged = await scrape(service.url);
    expect(grew(escalated, acknowledged, 'oncall_card_calls_total', { platform: 'feishu', operation: 'update' })).toBe(1);
    expect(grew(escalated, acknowledged, 'oncall_card_failures_total', { platform: 'feishu', operation: 'update', kind: 'permission_denied' })).toBe(1);
    expect(grew(escalated, acknowledged, 'oncall_card_calls_total', { platform: 'feishu', operation: 'post' })).toBe(0);
    expect(valueOf(acknowledged, 'oncall_incidents', { status: 'triggered' })).toBe(0);
    expect(valueOf(acknowledged, 'oncall_incidents', { status: 'acknowledged' })).toBe(1);
    expect(valueOf(acknowledged, 'oncall_incidents_with_undelivered_pages')).toBe(0);

    // Closed; Feishu answers the card's update with its rate limit once: the call is held back, then goes through.
    world.fake.state.injectFailures.push({
      method: 'PATCH',
      pathPrefix: `${MESSAGES_PATH}/${card.messageId}`,
      status: 429,
      body: { code: 99991400, msg: 'request trigger frequency limit' },
      headers: { 'x-ogw-ratelimit-limit': '5', 'x-ogw-ratelimit-reset': '1' },
    });
    expect((await service.api('POST', `/incidents/${incident.id}/close`, {})).status).toBe(200);
    await service.services.cards.idle();
    expect(world.fake.state.injectFailures).toEqual([]);
    const closed = await scrape(service.url);
    expect(grew(acknowledged, closed, 'oncall_rate_limit_holds_total', { platform: 'feishu', scope: 'retry_after' })).toBe(1);
    expect(grew(acknowledged, closed, 'oncall_card_calls_total', { platform: 'feishu', operation: 'update' })).toBe(1);
    expect(grew(acknowledged, closed, 'oncall_card_failures_total', { platform: 'feishu', operation: 'update', kind: 'rate_limited' })).toBe(0);
    expect(valueOf(closed, 'oncall_incidents', { status: 'acknowledged' })).toBe(0);

    // Round trips timed at scrape; Redis only where the service has it (the MariaDB world).
    const dependencies = kind === 'mariadb' ? ['database', 'redis'] : ['database'];
    for (const dependency of dependencies) {
      expect(valueOf(acknowledged, 'oncall_dependency_up', { dependency })).toBe(1);
      expect(valueOf(acknowledged, 'oncall_dependency_round_trip_seconds', { dependency })).toBeGreaterThan(0);
    }
    expect(acknowledged.filter((sample) => sample.name === 'oncall_dependency_up').map((sample) => sample.labels.dependency).sort()).toEqual(dependencies);
    // Node's default process metrics.
    expect(valueOf(acknowledged, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(acknowledged.some((sample) => sample.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    // Labels are ids and kinds: no alert text, no chat or person, no secret.
    const response = await fetch(`${service.url}/metrics`);
    const text = await response.text();
    for (const secret of [title, 'Disk full', world.secrets.appSecret, world.secrets.verificationToken, world.secrets.encryptKey!, TEST_ADMIN_TOKEN]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(setup.integration.path.split('/').pop());
    expect(text).not.toContain(setup.chatId);
    expect(text).not.toContain(alice.user.open_id);
    const ours = acknowledged.filter((sample) => sample.name.startsWith('oncall_'));
    for (const sample of ours) for (const value of Object.values(sample.labels)) expect(value).toMatch(/^[A-Za-z0-9_.+]*$/);
  }, 30_000);
});

describe('GET /metrics with METRICS_TOKEN, and one registry per service', () => {
  const token = `metrics-${randomHex(12)}`;
  let guarded: TestService;
  let open: TestService;
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now() / 1000;
    guarded = await startTestService('sqlite', 'metrics_token', { metricsToken: token });
    open = await startTestService('sqlite', 'metrics_open');
  }, 30_000);
  afterAll(async () => {
    await guarded?.stop();
    await open?.stop();
  });

  it('answers 401 without the bearer token or with another, and the metrics with it', async () => {
    const without = await fetch(`${guarded.url}/metrics`);
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toBe('Bearer realm="oncall-im"');
    expect(await without.text()).not.toContain('oncall_');
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).status).toBe(401);
    expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    expect(valueOf(await scrape(guarded.url, token), 'oncall_dependency_up', { dependency: 'database' })).toBe(1);
    // The token guards /metrics only.
    expect((await fetch(`${guarded.url}/healthz`)).status).toBe(200);
  });

  it('shows when the escalation sweep (run at start) last finished', async () => {
    const lastSweep = await waitFor('a finished sweep', async () => valueOf(await scrape(open.url), 'oncall_escalation_sweep_last_success_timestamp_seconds') || undefined);
    expect(lastSweep).toBeGreaterThanOrEqual(Math.floor(startedAt));
    expect(lastSweep).toBeLessThanOrEqual(Date.now() / 1000);
    expect(valueOf(await scrape(open.url), 'oncall_escalation_sweep_failures_total')).toBe(0);
  });

  it('two services in one process count their own alerts', async () => {
    const channel = await open.api('POST', '/channels', { name: `metrics-${randomHex(3)}` });
    const integration = await open.api('POST', '/integrations', { name: `metrics-${randomHex(3)}`, channelId: channel.body.id });
    expect(await open.post(new URL(integration.body.url).pathname, { msg_type: 'text', content: { text: 'one alert' } })).toEqual({ status: 200, body: FEISHU_SUCCESS });

    const accepted = (samples: Sample[]) =>
      samples.filter((sample) => sample.name === 'oncall_alerts_received_total' && sample.labels.outcome === 'accepted').reduce((sum, sample) => sum + sample.value, 0);
    expect(accepted(await scrape(open.url))).toBe(1);
    expect(accepted(await scrape(guarded.url, token))).toBe(0);
  });
});

describe('GET /metrics while the database is down', () => {
  let proxy: TcpProxy;
  let running: RunningService;
  let databaseName: string;

  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 3306);
    const direct = await freshDatabase('mariadb', 'metrics_outage');
    databaseName = new URL((direct as { url: string }).url).pathname.slice(1);
    running = await startService(
      testServiceConfig({ kind: 'mysql', url: `mysql://root@127.0.0.1:${proxy.port}/${databaseName}` }),
      createLogger('silent'),
    );
  }, 30_000);
  afterAll(async () => {
    proxy?.restore();
    await running?.stop();
    await proxy?.close();
    if (databaseName) await dropDatabase({ kind: 'mysql', url: `${MARIADB_ROOT_URL}/${databaseName}` });
  }, 30_000);

  it('still answers: the database is down, the counts it would give are unknown, an alert it could not store is counted as failed', async () => {
    const client = serviceClient(running.url);
    const channel = await client.api('POST', '/channels', { name: 'metrics-outage' });
    const integration = await client.api('POST', '/integrations', { name: 'metrics-outage', channelId: channel.body.id });
    const up = await scrape(running.url);
    expect(valueOf(up, 'oncall_dependency_up', { dependency: 'database' })).toBe(1);
    expect(valueOf(up, 'oncall_incidents', { status: 'triggered' })).toBe(0);
    expect(up.some((sample) => sample.name === 'oncall_incidents' && sample.labels.status === 'triggered')).toBe(true);
    expect(valueOf(up, 'oncall_incidents_with_undelivered_pages')).toBe(0);

    proxy.cut();
    const lost = await client.post(hookPath(integration.body.url), { msg_type: 'text', content: { text: 'not stored' } });
    expect(lost.status).toBe(500);
    const down = await scrape(running.url);
    expect(valueOf(down, 'oncall_dependency_up', { dependency: 'database' })).toBe(0);
    expect(down.some((sample) => sample.name === 'oncall_dependency_round_trip_seconds')).toBe(false);
    expect(down.some((sample) => sample.name === 'oncall_incidents')).toBe(false);
    expect(valueOf(down, 'oncall_incidents_with_undelivered_pages')).toBeNaN();
    // Its integration could not be looked up either.
    expect(valueOf(down, 'oncall_alerts_received_total', { integration: '0', outcome: 'failed' })).toBe(1);
    proxy.restore();
  }, 30_000);
});
