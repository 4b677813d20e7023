import type { Page } from 'playwright-core';
import { HOOK_URL, createMember } from '../support/admin-helpers.js';
import { openTab, sessionCookie, signIn, type ConsoleTab } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { hookPath, startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';

/**
 * The admin console in a real headless Chromium, against the whole service (SQLite, the embedded default): the
 * journeys an admin takes, each checked in the page and through the admin API.
 */
let service: TestService;
let chrome: TestChromium;
let tab: ConsoleTab;
let page: Page;

beforeAll(async () => {
  service = await startTestService('sqlite', 'console-journeys');
  chrome = await launchChromium();
  tab = await openTab(chrome.browser, service.url);
  page = tab.page;
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await service?.stop();
});

afterEach(() => {
  expect(tab.problems).toEqual([]);
});

const field = (label: string) => page.locator('.field').filter({ has: page.getByLabel(label, { exact: true }) });

describe('signing in', () => {
  it('refuses a wrong token next to the field, then signs in with the admin token into an HttpOnly SameSite=Strict cookie', async () => {
    await page.goto('/console/');
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(field('Admin token'), 'this is not the admin token');
    expect(await sessionCookie(tab.context)).toBeUndefined();

    await signIn(page);
    const cookie = await sessionCookie(tab.context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false, path: '/' });
    // The cookie is the session's key, not the admin token.
    expect(cookie!.value).not.toContain(TEST_ADMIN_TOKEN);
  });
});

describe('from a new channel to an acknowledged incident', () => {
  let integrationUrl: string;

  it('creates a channel', async () => {
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Payments');
    await page.getByLabel('Time zone').fill('Asia/Shanghai');
    await page.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('heading', { name: 'Payments', level: 1 }).waitFor();
    const channels = await service.api('GET', '/channels');
    expect(channels.body.items).toEqual([expect.objectContaining({ name: 'Payments', timeZone: 'Asia/Shanghai' })]);
  });

  it("shows the API's validation message next to the field it names", async () => {
    await page.getByRole('link', { name: 'Integrations' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Grafana');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await expectText(field('Channel'), 'is required for a dedicated integration');
    expect((await service.api('GET', '/integrations')).body.items).toEqual([]);
  });

  it('creates an integration and copies its URL in one click', async () => {
    await page.getByLabel('Channel', { exact: true }).selectOption({ label: 'Payments' });
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { name: 'Grafana', level: 1 }).waitFor();
    await page.getByRole('button', { name: /^Copy / }).first().click();
    await page.getByText('Copied').waitFor();
    integrationUrl = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);
    expect(integrationUrl).toMatch(HOOK_URL);
    expect((await service.api('GET', '/integrations')).body.items).toEqual([expect.objectContaining({ name: 'Grafana', url: integrationUrl })]);
  });

  it('shows an alert posted to that URL as a new incident without a reload, and acknowledges it', async () => {
    await page.getByRole('link', { name: 'Incidents' }).click();
    await page.getByText('Live', { exact: true }).waitFor();
    const marker = await page.evaluate(() => ((globalThis as any).__notReloaded = true));
    const answer = await service.post(hookPath(integrationUrl), postMessage('[critical] payments-api: 5xx above 5%', 'error rate 7.2% on /pay'));
    expect(answer.body).toMatchObject({ code: 0 });

    const row = page.getByRole('link', { name: '[critical] payments-api: 5xx above 5%' });
    await row.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as any).__notReloaded)).toBe(marker);

    await row.click();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('.badges').getByText('Acknowledged').waitFor();
    const [incident] = (await service.api('GET', '/incidents')).body.items;
    expect(incident).toMatchObject({ status: 'acknowledged' });
    const detail = await service.api('GET', `/incidents/${incident.id}`);
    expect(detail.body.timeline.map((entry: { kind: string }) => entry.kind)).toEqual(['triggered', 'acknowledged']);
    await page.getByText('Acknowledged').first().waitFor();
  });
});

describe('escalation rules', () => {
  it('creates a rule, edits it, and dry-runs it: who would be paged when', async () => {
    const alice = await createMember(service, 'Alice Chen', { email: 'alice@example.com' });
    await createMember(service, 'Bob Li', { email: 'bob@example.com' });
    const [channel] = (await service.api('GET', '/channels')).body.items;
    await page.goto(`/console/#/channels/${channel.id}`);
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Business hours');
    await page.getByRole('button', { name: 'Create rule' }).click();
    // The API refuses a level without members: said at the level's Members.
    await expectText(page.locator('fieldset.level'), 'Too small');
    await page.locator('fieldset.level').getByLabel('Alice Chen').check();
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page.getByRole('heading', { name: 'Escalation rule: Business hours' }).waitFor();

    await page.getByLabel('Wait before the next level (minutes)').fill('15');
    await page.getByRole('button', { name: 'Add level' }).click();
    await page.locator('fieldset.level').nth(1).getByLabel('Bob Li').check();
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText('Saved.').waitFor();
    const [rule] = (await service.api('GET', `/channels/${channel.id}/escalation-rules`)).body.items;
    expect(rule).toMatchObject({ name: 'Business hours', levels: [expect.objectContaining({ memberIds: [alice.id], waitMinutes: 15 }), expect.objectContaining({ waitMinutes: 10 })] });

    await page.getByLabel('Sample title').fill('Disk full on db-1');
    await page.getByRole('button', { name: 'Run' }).click();
    const result = page.locator('.dry-run-result');
    await expectText(result, 'Rule: Business hours');
    await expectText(result, 'Alice Chen');
    await expectText(result, 'Bob Li');
    await expectText(result, '+15 min');
  });
});

describe('safety', () => {
  it('refuses a change made with the session cookie but without the CSRF token, and accepts it with the token', async () => {
    const answers = await page.evaluate(async () => {
      const send = (headers: Record<string, string>) =>
        fetch('/api/v1/channels', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'Forged' }) }).then(async (response) => ({
          status: response.status,
          body: await response.json(),
        }));
      const session = (await fetch('/console/session').then((response) => response.json())) as { csrfToken: string };
      return { without: await send({}), wrong: await send({ 'x-csrf-token': 'guessed' }), read: (await fetch('/api/v1/channels')).status, with: await send({ 'x-csrf-token': session.csrfToken }) };
    });
    expect(answers.without).toEqual({ status: 403, body: { error: { code: 'forbidden', message: expect.stringMatching(/X-CSRF-Token/) } } });
    expect(answers.wrong.status).toBe(403);
    expect(answers.read).toBe(200);
    expect(answers.with.status).toBe(201);
    expect((await service.api('GET', '/channels')).body.items.map((channel: { name: string }) => channel.name)).toEqual(['Payments', 'Forged']);
  });

  it('renders hostile alert text as text and never shows a stored secret', async () => {
    const [channel] = (await service.api('GET', '/channels')).body.items;
    const secret = 'feishu-signing-secret-value-0123';
    const created = await service.api('POST', '/integrations', { name: 'Signed', channelId: channel.id, signingSecret: secret });
    expect(created.status).toBe(201);
    await page.goto(`/console/#/integrations/${created.body.id}`);
    await page.getByRole('heading', { name: 'Signed', level: 1 }).waitFor();
    await page.getByText('Set — type a new value to replace it.', { exact: false }).waitFor();
    expect(await page.content()).not.toContain(secret);

    const hostile = '<img src=x id=injected onerror="document.title=1">"><script>document.title=2</script>';
    const integration = (await service.api('GET', '/integrations')).body.items.find((item: { name: string }) => item.name === 'Grafana');
    await service.post(hookPath(integration.url), postMessage(hostile, hostile));
    await page.goto('/console/#/incidents');
    await page.getByRole('link', { name: hostile }).click();
    await page.getByRole('heading', { name: hostile, level: 1 }).waitFor();
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.title()).toBe('oncall-im console');
  });

  it('serves the console with a CSP that allows no inline script, and its files with their types and validators', async () => {
    const home = await fetch(`${service.url}/`);
    expect(await home.text()).toContain('href="/console/"');
    const console = await fetch(`${service.url}/console/`);
    const csp = console.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(console.headers.get('x-content-type-options')).toBe('nosniff');
    expect(console.headers.get('cache-control')).toBe('no-store');

    const script = await fetch(`${service.url}/console/assets/main.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = script.headers.get('etag')!;
    expect((await fetch(`${service.url}/console/assets/main.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${service.url}/console/vendor/preact.mjs`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${service.url}/console/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${service.url}/console/vendor/../../package.json`)).status).toBe(404);
  });

  it("gives a signed-in admin the actions on a card's Details page, carried out with the session's CSRF token", async () => {
    const [incident] = (await service.api('GET', '/incidents?status=acknowledged')).body.items;
    const link = new URL(service.services.links.detailsUrl(incident.id));
    const stranger = await openTab(chrome.browser, service.url);
    await stranger.page.goto(`${link.pathname}${link.search}`);
    await stranger.page.getByRole('heading', { level: 1 }).waitFor();
    expect(await stranger.page.getByRole('button', { name: 'Close' }).count()).toBe(0);
    await stranger.context.close();

    await page.goto(`${link.pathname}${link.search}`);
    await page.getByRole('button', { name: 'Close' }).click();
    // The page reloads once the action is done: wait for that before navigating away (or the reload interrupts it).
    await page.locator('.badge.status-closed').waitFor();
    expect((await service.api('GET', `/incidents/${incident.id}`)).body.incident.status).toBe('closed');
    await page.goto('/console/#/incidents');
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
  });

  it('signs out: the sign-in form comes back and the old cookie opens nothing', async () => {
    const cookie = (await sessionCookie(tab.context))!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    expect(await sessionCookie(tab.context)).toBeUndefined();
    const withOldCookie = await fetch(`${service.url}/api/v1/channels`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(withOldCookie.status).toBe(401);
  });
});

/** A Feishu "post" (rich text) message: a title and a line of text. */
function postMessage(title: string, text: string) {
  return { msg_type: 'post', content: { post: { zh_cn: { title, content: [[{ tag: 'text', text }]] } } } };
}

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.getByText(text, { exact: false }).first().waitFor({ timeout: 5000 });
}
