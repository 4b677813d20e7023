import { openTab, sessionCookie, signIn } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { createHash } from 'node:crypto';
import { REDIS_TEST_URL } from '../support/databases.js';
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
