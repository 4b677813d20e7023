import type { Page } from 'playwright-core';
import { HOOK_URL, createMember } from '../support/admin-helpers.js';
import { launchChromium, openTab, sessionCookie, signIn, type ConsoleBrowser, type ConsoleTab } from '../support/console-browser.js';
import { hookPath, startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';

/**
 * The admin console in a real headless Chromium, against the whole service (SQLite, the embedded default): the
 * journeys an admin takes, each checked in the page and through the admin API.
 */
let service: TestService;
let chrome: ConsoleBrowser;
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

/** A Feishu "post" (rich text) message: a title and a line of text. */
function postMessage(title: string, text: string) {
  return { msg_type: 'post', content: { post: { zh_cn: { title, content: [[{ tag: 'text', text }]] } } } };
}

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.getByText(text, { exact: false }).first().waitFor({ timeout: 5000 });
}
