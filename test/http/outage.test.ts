/**
 * The database or Redis going away under a running service (cut at a TCP proxy in front of the real servers):
 * /readyz says which, the Feishu endpoint answers in Feishu's shape with a 5xx so senders retry, nothing is half
 * stored, clicks go on without Redis, and everything works again once the server is back.
 */
import { createConnection } from 'mysql2/promise';
import { createLogger } from '../../src/lib/logger.js';
import { startService, type RunningService } from '../../src/app/start-service.js';
import { dropDatabase, freshDatabase, MARIADB_ROOT_URL, testRedisUrlThrough } from '../support/databases.js';
import { serviceClient, sleep, waitUntil, type ServiceClient } from '../support/escalation-helpers.js';
import { postCallback } from '../support/feishu-app-helpers.js';
import { ANSWER_DEADLINE_MS, FeishuAppWorld } from '../support/feishu-app-world.js';
import { FEISHU_SUCCESS, incidentDetail } from '../support/feishu-helpers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { hookPath, testServiceConfig } from '../support/test-service.js';
import type { DatabaseConfig } from '../../src/config/config.js';

describe('outages of MariaDB and Redis under a running service', () => {
  let mariadbProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let database: DatabaseConfig;
  let running: RunningService;
  let client: ServiceClient;
  let path: string;
  let databaseName: string;

  const readyz = async () => {
    const response = await fetch(`${running.url}/readyz`);
    return { status: response.status, body: (await response.json()) as { status: string; checks: Record<string, string> } };
  };
  const alert = (text: string) => client.post(path, { msg_type: 'text', content: { text } });
  const storedAlerts = async (text: string) => {
    const connection = await createConnection(`${MARIADB_ROOT_URL}/${databaseName}`);
    try {
      const [rows] = await connection.query('SELECT COUNT(*) AS n FROM alerts WHERE description = ?', [text]);
      const [incidents] = await connection.query('SELECT COUNT(*) AS n FROM incidents WHERE description = ?', [text]);
      return { alerts: Number((rows as any)[0].n), incidents: Number((incidents as any)[0].n) };
    } finally {
      await connection.end();
    }
  };

  beforeAll(async () => {
    mariadbProxy = await startTcpProxy('127.0.0.1', 3306);
    redisProxy = await startTcpProxy('127.0.0.1', 6379);
    const direct = await freshDatabase('mariadb', 'outage');
    databaseName = new URL((direct as { url: string }).url).pathname.slice(1);
    database = { kind: 'mysql', url: `mysql://root@127.0.0.1:${mariadbProxy.port}/${databaseName}` };
    const config = testServiceConfig(database, { redisUrl: testRedisUrlThrough(redisProxy.port) });
    running = await startService(config, createLogger('silent'));
    client = serviceClient(running.url);
    const channel = await client.api('POST', '/channels', { name: 'outage' });
    const integration = await client.api('POST', '/integrations', { name: 'outage', channelId: channel.body.id });
    path = hookPath(integration.body.url);
  }, 30_000);

  afterAll(async () => {
    mariadbProxy?.restore();
    redisProxy?.restore();
    await running?.stop();
    await mariadbProxy?.close();
    await redisProxy?.close();
    if (databaseName) await dropDatabase({ kind: 'mysql', url: `${MARIADB_ROOT_URL}/${databaseName}` });
  }, 30_000);

  it('database down: /readyz 503 naming it, alerts answered 500 in Feishu shape and not stored; back: ready, alerts stored', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok', redis: 'ok' } } });
    mariadbProxy.cut();

    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body.status).toBe('not ready');
    expect(notReady.body.checks.database).toMatch(/^unavailable: /);
    expect(notReady.body.checks.redis).toBe('ok');

    const during = await alert('written while the database was down');
    expect(during.status).toBe(500);
    expect(during.body).toEqual({ code: -1, msg: expect.stringMatching(/not stored/), data: {} });

    mariadbProxy.restore();
    await waitUntil('ready again', async () => ((await readyz()).status === 200 ? true : undefined), 10_000);
    expect(await alert('written after the database came back')).toEqual({ status: 200, body: FEISHU_SUCCESS });
    expect(await storedAlerts('written after the database came back')).toEqual({ alerts: 1, incidents: 1 });
    expect(await storedAlerts('written while the database was down')).toEqual({ alerts: 0, incidents: 0 });
  }, 40_000);

  it('Redis down: /readyz 503 naming it, while alert intake goes on; back: ready', async () => {
    const connectionsBefore = redisProxy.connections();
    redisProxy.cut();
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks).toEqual({ database: 'ok', redis: expect.stringMatching(/^unavailable: /) });

    expect(await alert('written while Redis was down')).toEqual({ status: 200, body: FEISHU_SUCCESS });
    expect(await storedAlerts('written while Redis was down')).toEqual({ alerts: 1, incidents: 1 });

    // Long enough for the scheduler's subscriber to fail a few reconnect attempts.
    await sleep(3000);
    redisProxy.restore();
    await waitUntil('ready again', async () => ((await readyz()).status === 200 ? true : undefined), 15_000);
    // The scheduler's subscriber reconnected once: no client left behind by the failed attempts (12 were, unguarded).
    await sleep(3000);
    expect(redisProxy.connections()).toBe(connectionsBefore);
  }, 40_000);
});

describe('a Feishu click while Redis is down', () => {
  let redisProxy: TcpProxy;
  let world: FeishuAppWorld;
  beforeAll(async () => {
    redisProxy = await startTcpProxy('127.0.0.1', 6379);
    world = await FeishuAppWorld.start('mariadb', 'outage_click', { config: { redisUrl: testRedisUrlThrough(redisProxy.port) } });
  }, 30_000);
  afterAll(async () => {
    redisProxy?.restore();
    await world?.stop();
    await redisProxy?.close();
  }, 30_000);

  it('is answered in time and acts once (event ids fall back to the database), and a re-delivery is still ignored', async () => {
    const alice = await world.person('Alice');
    const setup = await world.boundChat({ members: [alice.user.open_id] });
    const { incident, card } = await world.triggerWithCard(setup);
    redisProxy.cut();

    const event = world.clickEvent(alice.user.open_id, 'acknowledge', incident.id, card);
    const answer = await postCallback(world.service, world.secrets, event);
    expect(answer.status).toBe(200);
    expect(answer.elapsedMs).toBeLessThan(ANSWER_DEADLINE_MS);
    expect(answer.body.toast).toEqual({ type: 'success', content: `Acknowledged #${incident.id}` });
    const again = await postCallback(world.service, world.secrets, event);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({});

    const detail = await incidentDetail(world.service, incident.id);
    expect(detail.incident).toMatchObject({ status: 'acknowledged', acknowledgedBy: alice.member!.id });
    expect(detail.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
  }, 30_000);
});
