import { openTab, sessionCookie, signIn } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { createHash } from 'node:crypto';
import { REDIS_TEST_URL, testRedisUrlThrough } from '../support/databases.js';
import { waitUntil } from '../support/escalation-helpers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';

/** Session expiry and the cookie's Secure flag, on services started with a very short session and an https base URL. */
let chrome: TestChromium;
beforeAll(async () => {
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
});

describe('an expired session', () => {
  let service: TestService;
  beforeAll(async () => {
    // 2 seconds.
    service = await startTestService('sqlite', 'console-expiry', { consoleSessionMinutes: 2 / 60 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('opens nothing: the API answers 401 and the console asks to sign in again', async () => {
    const tab = await openTab(chrome.browser, service.url);
    await signIn(tab.page);
    const cookie = (await sessionCookie(tab.context))!;
    await new Promise((resolve) => setTimeout(resolve, 2500));

    const answer = await fetch(`${service.url}/api/v1/channels`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(answer.status).toBe(401);
    await tab.page.getByRole('link', { name: 'Channels' }).click();
    await tab.page.getByText('Your session has ended. Sign in again.').waitFor();
    expect(await tab.page.getByLabel('Admin token').isVisible()).toBe(true);
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});

describe('behind https', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'console-https', { publicBaseUrl: 'https://oncall.example.com' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('marks the session cookie Secure, and sign-out clears it', async () => {
    const signedIn = await fetch(`${service.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) });
    expect(signedIn.status).toBe(200);
    const setCookie = signedIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^oncall_console_session=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
    const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
    const cookie = setCookie.split(';')[0];

    // Signing out is a change too: refused without the CSRF token.
    expect((await fetch(`${service.url}/console/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    expect((await fetch(`${service.url}/api/v1/channels`, { headers: { cookie } })).status).toBe(200);
    const signedOut = await fetch(`${service.url}/console/session`, { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(signedOut.status).toBe(204);
    expect(signedOut.headers.get('set-cookie')).toMatch(/^oncall_console_session=; Max-Age=0;.*Secure$/);
    expect((await fetch(`${service.url}/api/v1/channels`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a sign-in body that is not the expected shape, in the API error format', async () => {
    const answer = await fetch(`${service.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x'.repeat(501) }) });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ error: { code: 'validation', message: expect.stringMatching(/^token: /) } });
  });
});

describe('with Redis configured', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('mariadb', 'console-redis', { redisUrl: REDIS_TEST_URL });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('keeps the session in Redis (under the hash of the cookie, expiring with it), not in the database', async () => {
    const signedIn = await fetch(`${service.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TEST_ADMIN_TOKEN }) });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0];
    const id = cookie.split('=')[1];
    const key = `oncall:console-session:${createHash('sha256').update(id).digest('hex')}`;
    const ttl = await service.redis!.pttl(key);
    expect(ttl).toBeGreaterThan(11 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(12 * 3600_000);
    expect(Number((await service.db.manager.query('SELECT COUNT(*) AS n FROM console_sessions'))[0].n)).toBe(0);
    expect((await fetch(`${service.url}/api/v1/channels`, { headers: { cookie } })).status).toBe(200);
    await service.redis!.del(key);
  });
});

describe('too many wrong tokens', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService('sqlite', 'console-limited', { adminTokenLimits: { perAddress: 2, total: 100, windowMs: 10 * 60_000 } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('shows the 429 next to the token field, tied to it for screen readers, and the right token is refused too', async () => {
    const tab = await openTab(chrome.browser, service.url);
    const { page } = tab;
    await page.goto('/console/');
    const token = page.getByLabel('Admin token');
    const field = page.locator('.field').filter({ has: token });
    for (const guess of ['first-wrong-guess', 'second-wrong-guess']) {
      await token.fill(guess);
      await token.press('Enter');
      await field.getByText('this is not the admin token').waitFor();
    }
    await token.fill(TEST_ADMIN_TOKEN);
    await token.press('Enter');
    const message = field.getByText('too many wrong admin tokens were tried. Try again in 10 minutes');
    await message.waitFor();
    expect(await token.getAttribute('aria-invalid')).toBe('true');
    expect(await token.getAttribute('aria-describedby')).toBe(await message.getAttribute('id'));
    expect(await sessionCookie(tab.context)).toBeUndefined();
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  });
});

describe('while Redis is away', () => {
  let service: TestService;
  let redisProxy: TcpProxy;
  beforeAll(async () => {
    redisProxy = await startTcpProxy('127.0.0.1', 6379);
    service = await startTestService('mariadb', 'console-redis-away', { redisUrl: testRedisUrlThrough(redisProxy.port) });
  }, 30_000);
  afterAll(async () => {
    redisProxy?.restore();
    await service?.stop();
    await redisProxy?.close();
  }, 30_000);

  it('says what is away instead of asking to sign in, and the live list reconnects by itself once Redis is back', async () => {
    const tab = await openTab(chrome.browser, service.url);
    const { page } = tab;
    await signIn(page);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    redisProxy.cut();
    await page.reload();
    await page.getByText('the console session cannot be checked: Redis does not answer; try again shortly').waitFor();
    redisProxy.restore();
    await waitUntil('Redis is back', async () => ((await fetch(`${service.url}/readyz`)).status === 200 ? true : undefined), 15_000);
    await page.reload();
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    // The list opened during the outage: the stream is refused (503), and opened again later without a reload.
    redisProxy.cut();
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByRole('heading', { name: 'Channels', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    redisProxy.restore();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 60_000);
});
