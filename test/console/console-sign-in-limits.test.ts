import { CapturedLog } from '../support/captured-log.js';
import { REDIS_TEST_URL } from '../support/databases.js';
import { createChannel, createIntegration } from '../support/admin-helpers.js';
import { hookPath, startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';
import type { AppConfig } from '../../src/config/config.js';

/**
 * Wrong admin tokens (console sign-in, Authorization: Bearer) limited per client address and in all: over the limit
 * a 429 with Retry-After in the API's error shape, the right token refused too; a right token never counts.
 */

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

const send = async (url: string, init: RequestInit): Promise<Answer> => {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
};

/** POST /console/session; `from` is sent as X-Forwarded-For (only believed with trustProxyHops). */
const signIn = (service: TestService, token: unknown, from?: string) =>
  send(`${service.url}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify({ token }),
  });

const channels = (service: TestService, token: string, from?: string) =>
  send(`${service.url}/api/v1/channels`, { headers: { authorization: `Bearer ${token}`, ...(from ? { 'x-forwarded-for': from } : {}) } });

const limited = (answer: Answer, prefix = 'token: ') => {
  expect(answer.status).toBe(429);
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(answer.body).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(new RegExp(`^${prefix}too many wrong admin tokens were tried\\. Try again in \\d+ (minutes|seconds)$`)) } });
};

const limits = (perAddress: number, total: number, windowMs = 15 * 60_000): Partial<AppConfig> => ({ adminTokenLimits: { perAddress, total, windowMs } });

describe('on one instance without Redis (SQLite)', () => {
  let service: TestService;
  let earlierSession = '';
  const log = new CapturedLog();
  beforeAll(async () => {
    service = await startTestService('sqlite', 'sign-in-limits', { ...limits(5, 12), trustProxyHops: 1, logLevel: 'warn' }, log);
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('refuses the 6th wrong token from an address with 429 and Retry-After, then the right one too; another address still signs in', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(service, `wrong-token-${i}`, '198.51.100.1')).status).toBe(401);
    const refused = await signIn(service, 'wrong-token-5', '198.51.100.1');
    limited(refused);
    expect(Number(refused.retryAfter)).toBeGreaterThan(14 * 60);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(15 * 60);
    limited(await signIn(service, TEST_ADMIN_TOKEN, '198.51.100.1'));
    // The bearer token from that address is refused as well: one limit per address, whichever way the token comes.
    limited(await channels(service, TEST_ADMIN_TOKEN, '198.51.100.1'), '');

    const other = await fetch(`${service.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.2' }, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) });
    expect(other.status).toBe(200);
    earlierSession = other.headers.get('set-cookie')!.split(';')[0];
  });

  it('never counts a right token, and counts wrong bearer tokens of the admin API with the sign-ins', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn(service, TEST_ADMIN_TOKEN, '198.51.100.3')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await channels(service, `wrong-bearer-${i}`, '198.51.100.3')).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await signIn(service, `wrong-token-${i}`, '198.51.100.3')).status).toBe(401);
    limited(await channels(service, 'wrong-bearer-again', '198.51.100.3'), '');
    limited(await signIn(service, TEST_ADMIN_TOKEN, '198.51.100.3'));
  });

  it('logs each wrong token with the address and where it was tried, never the token', () => {
    const lines = log.entries(/^wrong admin token/);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines[0]).toMatchObject({ address: '198.51.100.1', use: 'console sign-in', failures: 1, limit: 5 });
    expect(lines.some((line) => line.use === 'admin API' && line.address === '198.51.100.3')).toBe(true);
    expect(log.text).not.toContain('wrong-token-');
    expect(log.text).not.toContain('wrong-bearer-');
    expect(log.text).not.toContain(TEST_ADMIN_TOKEN);
  });

  it('once the total is reached (tokens tried from many addresses), refuses every address that failed, the right token too, and hears each clean address once', async () => {
    // 10 counted so far (5 + 5): two more from fresh addresses reach the total of 12.
    expect((await signIn(service, 'spread-1', '203.0.113.1')).status).toBe(401);
    expect((await channels(service, 'spread-2', '203.0.113.2')).status).toBe(401);
    // Over the total: the addresses that failed are refused, whatever they send.
    limited(await signIn(service, TEST_ADMIN_TOKEN, '203.0.113.1'));
    limited(await channels(service, TEST_ADMIN_TOKEN, '203.0.113.2'), '');
    // A fresh address of the flood gets one guess, which locks it out at once.
    expect((await signIn(service, 'spread-3', '203.0.113.3')).status).toBe(401);
    limited(await signIn(service, 'spread-3b', '203.0.113.3'));
    limited(await signIn(service, TEST_ADMIN_TOKEN, '203.0.113.3'));
    // A script or an admin that sends the right token from an address that never failed is not locked out by the flood.
    expect((await signIn(service, TEST_ADMIN_TOKEN, '203.0.113.4')).status).toBe(200);
    expect((await channels(service, TEST_ADMIN_TOKEN, '203.0.113.5')).status).toBe(200);
    // A console session opened before still works: the limit is on tokens, not on sessions.
    expect((await send(`${service.url}/api/v1/channels`, { headers: { cookie: earlierSession, 'x-forwarded-for': '203.0.113.6' } })).status).toBe(200);
  });
});

describe('the window', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'sign-in-window', limits(2, 100, 1500));
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('ends: the address may try again once it has passed', async () => {
    expect((await signIn(service, 'wrong-1')).status).toBe(401);
    expect((await signIn(service, 'wrong-2')).status).toBe(401);
    const refused = await signIn(service, TEST_ADMIN_TOKEN);
    limited(refused);
    expect(refused.retryAfter).toMatch(/^[12]$/);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await signIn(service, TEST_ADMIN_TOKEN)).status).toBe(200);
  });
});

describe('hostile sign-ins', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'sign-in-hostile', limits(5, 1000));
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY_HOPS says a proxy sets it: a new header per guess does not escape the limit', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(service, `wrong-${i}`, `192.0.2.${i + 1}`)).status).toBe(401);
    limited(await signIn(service, 'wrong-5', '192.0.2.99'));
  });
});

describe('the Details page', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'sign-in-details', limits(3, 1000));
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('counts wrong bearer tokens too, and over the limit opens without the admin actions even for the right one: no way to test tokens there', async () => {
    const channel = await createChannel(service, 'limits');
    const hook = await createIntegration(service, { name: 'limits', channelId: channel.id });
    expect((await service.post(hookPath(hook.url), { msg_type: 'text', content: { text: 'disk full' } })).status).toBe(200);
    const id = (await service.api('GET', '/incidents')).body.items[0].id as number;
    const link = new URL(service.services.links.detailsUrl(id));
    const page = async (token: string) => {
      const response = await fetch(`${service.url}${link.pathname}${link.search}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return (await response.text()).includes(`/api/v1/incidents/${id}/close`);
    };
    expect(await page(TEST_ADMIN_TOKEN)).toBe(true);
    for (let i = 0; i < 3; i++) expect(await page(`wrong-${i}`)).toBe(false);
    expect(await page(TEST_ADMIN_TOKEN)).toBe(false);
    limited(await channels(service, TEST_ADMIN_TOKEN), '');
  });
});

describe('hostile bodies and addresses', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'sign-in-bodies', { ...limits(5, 1000), trustProxyHops: 1 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('answers a huge, garbage or ill-shaped body 400 naming the problem, without counting it as a guess', async () => {
    const post = (body: string, from: string) =>
      send(`${service.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': from }, body });
    const from = '198.51.100.50';
    expect(await post(JSON.stringify({ token: 'x'.repeat(2 * 1024 * 1024) }), from)).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'body: larger than 1 MiB' } } });
    expect(await post('{"token": "\u0000\uFFFF', from)).toMatchObject({ status: 400, body: { error: { code: 'validation', message: 'body: not valid JSON' } } });
    expect(await post(JSON.stringify({ token: 'y'.repeat(501) }), from)).toMatchObject({ status: 400, body: { error: { code: 'validation', message: expect.stringMatching(/^token: /) } } });
    expect(await post(JSON.stringify({ token: { $ne: '' } }), from)).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    expect(await post(JSON.stringify({ token: TEST_ADMIN_TOKEN, admin: true }), from)).toMatchObject({ status: 400, body: { error: { code: 'validation' } } });
    for (let i = 0; i < 5; i++) expect((await signIn(service, `<script>alert(${i})</script>`, from)).status).toBe(401);
    limited(await signIn(service, TEST_ADMIN_TOKEN, from));
  });

  it('counts an IPv6 client by its /64, and a forwarded value that is no address under one key', async () => {
    for (let i = 1; i <= 5; i++) expect((await signIn(service, `wrong-${i}`, `2001:db8:1:2::${i.toString(16)}`)).status).toBe(401);
    limited(await signIn(service, TEST_ADMIN_TOKEN, '2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect((await signIn(service, TEST_ADMIN_TOKEN, '2001:db8:1:3::1')).status).toBe(200);

    for (let i = 1; i <= 5; i++) expect((await signIn(service, `wrong-${i}`, `not-an-address-${i}${'z'.repeat(4000)}`)).status).toBe(401);
    limited(await signIn(service, TEST_ADMIN_TOKEN, 'something-else-entirely'));
  });

  it('lets through only as many concurrent wrong guesses as the limit: the count and the check are one step', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(service, `burst-${i}`, '198.51.100.60')));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(5);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(35);
  });
});

describe('with Redis, across instances', () => {
  let first: TestService;
  let second: TestService;
  const clear = async (service: TestService) => {
    const keys = await service.redis!.keys('oncall:admin-token-failures:*');
    if (keys.length) await service.redis!.del(...keys);
  };
  beforeAll(async () => {
    first = await startTestService('mariadb', 'sign-in-limits-a', { redisUrl: REDIS_TEST_URL, ...limits(5, 1000), trustProxyHops: 1 });
    second = await startTestService('mariadb', 'sign-in-limits-b', { redisUrl: REDIS_TEST_URL, ...limits(5, 1000), trustProxyHops: 1 });
    await clear(first);
  }, 30_000);
  afterAll(async () => {
    if (first) await clear(first);
    await first?.stop();
    await second?.stop();
  }, 30_000);

  it('holds the limit for every instance on the same Redis, expiring with its window', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn(first, `wrong-${i}`, '198.51.100.70')).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await channels(second, `wrong-${i}`, '198.51.100.70')).status).toBe(401);
    limited(await signIn(first, TEST_ADMIN_TOKEN, '198.51.100.70'));
    limited(await signIn(second, TEST_ADMIN_TOKEN, '198.51.100.70'));
    expect((await signIn(second, TEST_ADMIN_TOKEN, '198.51.100.71')).status).toBe(200);

    const ttl = await first.redis!.pttl('oncall:admin-token-failures:{all}:198.51.100.70');
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000);
  });

  it('lets through only as many concurrent wrong guesses as the limit, spread over both instances', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => signIn(i % 2 ? first : second, `burst-${i}`, '198.51.100.80')));
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(5);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(35);
  });

  it('over the shared total, refuses the addresses that failed on any instance and hears the clean ones', async () => {
    const low = { redisUrl: REDIS_TEST_URL, ...limits(5, 3), trustProxyHops: 1 };
    const [a, b] = [await startTestService('mariadb', 'sign-in-total-a', low), await startTestService('mariadb', 'sign-in-total-b', low)];
    try {
      await clear(a);
      expect((await signIn(a, 'flood-1', '192.0.2.1')).status).toBe(401);
      expect((await signIn(b, 'flood-2', '192.0.2.2')).status).toBe(401);
      expect((await channels(a, 'flood-3', '192.0.2.3')).status).toBe(401);
      limited(await signIn(b, TEST_ADMIN_TOKEN, '192.0.2.1'));
      expect((await signIn(a, 'flood-4', '192.0.2.4')).status).toBe(401);
      limited(await signIn(b, 'flood-5', '192.0.2.4'));
      expect((await channels(b, TEST_ADMIN_TOKEN, '192.0.2.5')).status).toBe(200);
      expect((await signIn(a, TEST_ADMIN_TOKEN, '192.0.2.6')).status).toBe(200);
    } finally {
      await clear(a);
      await a.stop();
      await b.stop();
    }
  }, 30_000);
});
