/**
 * The console's sign-in, session lookups and event stream while Redis or the database is away (cut or stalled at a
 * TCP proxy in front of the real servers): a prompt 503 naming the store, never a 500 or a request that hangs, and
 * everything works again by itself once the store is back.
 */
import { createLogger } from '../../src/lib/logger.js';
import { startService, type RunningService } from '../../src/app/start-service.js';
import { dropDatabase, freshDatabase, MARIADB_ROOT_URL, testRedisUrlThrough } from '../support/databases.js';
import { waitUntil } from '../support/escalation-helpers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { testServiceConfig, TEST_ADMIN_TOKEN } from '../support/test-service.js';

interface Answer {
  status: number;
  ms: number;
  type: string;
  retryAfter: string | null;
  body: any;
}

/** One request, timed; a stream is not read (its status and type say enough), and nothing waits past 10 s. */
async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    const type = response.headers.get('content-type') ?? '';
    const body = type.includes('event-stream') ? undefined : await response.json().catch(() => undefined);
    return { status: response.status, ms: Date.now() - started, type, retryAfter: response.headers.get('retry-after'), body };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const json = { 'content-type': 'application/json' };

function consoleCalls(url: string) {
  return {
    signIn: () => call(`${url}/console/session`, { method: 'POST', headers: json, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) }),
    session: (cookie: string) => call(`${url}/console/session`, { headers: { cookie } }),
    channels: (headers: Record<string, string>) => call(`${url}/api/v1/channels`, { headers }),
    events: (cookie: string) => call(`${url}/api/v1/incidents/events`, { headers: { cookie } }),
  };
}

const unavailable = (answer: Answer, message: RegExp) => {
  expect(answer).toMatchObject({ status: 503, retryAfter: '5', body: { error: { code: 'unavailable', message: expect.stringMatching(message) } } });
};

async function signedInCookie(url: string): Promise<string> {
  const response = await fetch(`${url}/console/session`, { method: 'POST', headers: json, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0];
}

describe('MariaDB and Redis (sessions on Redis)', () => {
  let mariadbProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let running: RunningService;
  let databaseName: string;
  let calls: ReturnType<typeof consoleCalls>;
  let cookie: string;
  const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  beforeAll(async () => {
    mariadbProxy = await startTcpProxy('127.0.0.1', 3306);
    redisProxy = await startTcpProxy('127.0.0.1', 6379);
    const direct = await freshDatabase('mariadb', 'console_outage');
    databaseName = new URL((direct as { url: string }).url).pathname.slice(1);
    const database = { kind: 'mysql' as const, url: `mysql://root@127.0.0.1:${mariadbProxy.port}/${databaseName}` };
    running = await startService(testServiceConfig(database, { redisUrl: testRedisUrlThrough(redisProxy.port), trustProxyHops: 1 }), createLogger('silent'));
    calls = consoleCalls(running.url);
    cookie = await signedInCookie(running.url);
  }, 30_000);

  afterAll(async () => {
    mariadbProxy?.restore();
    redisProxy?.restore();
    await running?.stop();
    await mariadbProxy?.close();
    await redisProxy?.close();
    if (databaseName) await dropDatabase({ kind: 'mysql', url: `${MARIADB_ROOT_URL}/${databaseName}` });
  }, 30_000);

  const backToNormal = async () => {
    await waitUntil('sign-in works again', async () => ((await calls.signIn()).status === 200 ? true : undefined), 15_000);
    expect((await calls.session(cookie)).body).toMatchObject({ signedIn: true });
    expect((await calls.channels({ cookie })).status).toBe(200);
    expect(await calls.events(cookie)).toMatchObject({ status: 200, type: 'text/event-stream; charset=utf-8' });
  };

  it('Redis cut: sign-in, session lookup, the API with the cookie and the event stream answer 503 at once; the bearer token still works; back: all work', async () => {
    redisProxy.cut();
    const signIn = await calls.signIn();
    unavailable(signIn, /^console sign-in is unavailable: Redis does not answer; try again shortly$/);
    expect(signIn.ms).toBeLessThan(1000);
    unavailable(await calls.session(cookie), /^the console session cannot be checked: Redis does not answer/);
    unavailable(await calls.channels({ cookie }), /^the console session cannot be checked: Redis does not answer/);
    const events = await calls.events(cookie);
    unavailable(events, /Redis does not answer/);
    expect(events.ms).toBeLessThan(1000);
    // Wrong tokens are counted by this instance meanwhile: the bearer token is checked without Redis, the limit holds.
    expect((await calls.channels(bearer)).status).toBe(200);
    const guess = { authorization: 'Bearer wrong-token-during-outage', 'x-forwarded-for': '198.51.100.90' };
    for (let i = 0; i < 5; i++) expect((await calls.channels(guess)).status).toBe(401);
    expect(await calls.channels(guess)).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    // Without a cookie there is nothing to look up: a plain 401, not a 503.
    expect((await calls.channels({})).status).toBe(401);

    redisProxy.restore();
    await backToNormal();
  }, 40_000);

  it('Redis stalled (connected, never answering): 503 within the store wait instead of a request that hangs; back: all work', async () => {
    redisProxy.stall();
    const [signIn, session, events] = await Promise.all([calls.signIn(), calls.session(cookie), calls.events(cookie)]);
    for (const answer of [signIn, session, events]) {
      unavailable(answer, /Redis does not answer/);
      expect(answer.ms).toBeGreaterThanOrEqual(1900);
      expect(answer.ms).toBeLessThan(4000);
    }
    expect((await calls.channels(bearer)).status).toBe(200);

    redisProxy.restore();
    await backToNormal();
  }, 40_000);

  it('database cut: the admin API answers 503 naming the database (not a 500); sessions on Redis go on; back: all work', async () => {
    mariadbProxy.cut();
    unavailable(await calls.channels(bearer), /^this request cannot be answered: the database does not answer; try again shortly$/);
    unavailable(await calls.channels({ cookie }), /the database does not answer/);
    expect((await calls.signIn()).status).toBe(200);
    expect(await calls.events(cookie)).toMatchObject({ status: 200 });

    mariadbProxy.restore();
    await waitUntil('the API works again', async () => ((await calls.channels(bearer)).status === 200 ? true : undefined), 15_000);
    await backToNormal();
  }, 40_000);
});

describe('MariaDB without Redis (sessions on the database)', () => {
  let mariadbProxy: TcpProxy;
  let running: RunningService;
  let databaseName: string;
  let calls: ReturnType<typeof consoleCalls>;
  let cookie: string;

  beforeAll(async () => {
    mariadbProxy = await startTcpProxy('127.0.0.1', 3306);
    const direct = await freshDatabase('mariadb', 'console_outage_db');
    databaseName = new URL((direct as { url: string }).url).pathname.slice(1);
    const database = { kind: 'mysql' as const, url: `mysql://root@127.0.0.1:${mariadbProxy.port}/${databaseName}` };
    running = await startService(testServiceConfig(database), createLogger('silent'));
    calls = consoleCalls(running.url);
    cookie = await signedInCookie(running.url);
  }, 30_000);

  afterAll(async () => {
    mariadbProxy?.restore();
    await running?.stop();
    await mariadbProxy?.close();
    if (databaseName) await dropDatabase({ kind: 'mysql', url: `${MARIADB_ROOT_URL}/${databaseName}` });
  }, 30_000);

  it('database cut, then stalled: sign-in, session lookup and the event stream answer 503 naming the database; back: all work', async () => {
    mariadbProxy.cut();
    unavailable(await calls.signIn(), /^console sign-in is unavailable: the database does not answer/);
    unavailable(await calls.session(cookie), /^the console session cannot be checked: the database does not answer/);
    unavailable(await calls.events(cookie), /the database does not answer/);
    mariadbProxy.restore();
    await waitUntil('sign-in works again', async () => ((await calls.signIn()).status === 200 ? true : undefined), 15_000);

    mariadbProxy.stall();
    const [signIn, session, events] = await Promise.all([calls.signIn(), calls.session(cookie), calls.events(cookie)]);
    for (const answer of [signIn, session, events]) {
      unavailable(answer, /the database does not answer/);
      expect(answer.ms).toBeLessThan(4000);
    }
    mariadbProxy.restore();
    await waitUntil('sign-in works again', async () => ((await calls.signIn()).status === 200 ? true : undefined), 15_000);
    expect((await calls.session(cookie)).body).toMatchObject({ signedIn: true });
    expect(await calls.events(cookie)).toMatchObject({ status: 200, type: 'text/event-stream; charset=utf-8' });
  }, 60_000);
});
