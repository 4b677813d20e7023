import type { Page } from 'playwright-core';
import { openTab, signIn, type ConsoleTab } from '../support/console-browser.js';
import { createChannel } from '../support/feishu-helpers.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * The channel page's message template editor in a real headless Chromium: live preview of an unsaved source, save,
 * a Liquid syntax error next to the field, hostile text in the preview, and back to the built-in template — each
 * checked through the admin API.
 */
const HOSTILE = `<img src=x onerror="document.title='pwned'">`;

let service: TestService;
let chrome: TestChromium;
let tab: ConsoleTab;
let page: Page;
let channelId: number;

beforeAll(async () => {
  service = await startTestService('sqlite', 'console-templates');
  chrome = await launchChromium();
  tab = await openTab(chrome.browser, service.url);
  page = tab.page;
  page.setDefaultTimeout(10_000);
  channelId = await createChannel(service, `Payments ${HOSTILE}`);
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await service?.stop();
});

afterEach(() => {
  expect(tab.problems).toEqual([]);
});

const editor = () => page.getByRole('form', { name: 'Message templates' });
const sourceField = () => editor().getByLabel('Template (LiquidJS)');
const preview = () => editor().getByRole('region', { name: 'Preview' });
const stored = async (kind = 'email', event = 'triggered') => (await service.api('GET', `/channels/${channelId}/templates/${kind}/${event}`)).body;

describe('the message template editor', () => {
  it('opens on the channel page and shows the built-in template of the chosen destination and event', async () => {
    await signIn(page);
    await page.goto(`/console/#/channels/${channelId}`);
    await editor().waitFor();
    await editor().getByLabel('Destination').selectOption('email');
    await editor().getByLabel('Event').selectOption('triggered');
    const builtIn = await stored();
    expect(builtIn.overridden).toBe(false);
    await page.waitForFunction((expected) => (document.querySelector('textarea[name="source"]') as HTMLTextAreaElement | null)?.value === expected, builtIn.source);
    await editor().getByText('The built-in template').waitFor();
  });

  it('previews an edited source as it is typed, with hostile values as text, and stores nothing', async () => {
    await sourceField().fill(`{{ channel.name }} is on fire\nFor {{ incident.title }}: <script>alert(1)</script>`);
    await preview().locator('.preview-title').filter({ hasText: `Payments ${HOSTILE} is on fire` }).waitFor();
    expect(await preview().locator('.preview-body').textContent()).toBe('For Sample: disk usage above 90% on db-1: <script>alert(1)</script>');
    expect(await preview().locator('img, script').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    expect((await stored()).overridden).toBe(false);
    expect((await service.api('GET', `/channels/${channelId}/templates`)).body.items).toEqual([]);
  });

  it('saves the source', async () => {
    await editor().getByRole('button', { name: 'Save template' }).click();
    await editor().getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await stored()).toMatchObject({ overridden: true, source: `{{ channel.name }} is on fire\nFor {{ incident.title }}: <script>alert(1)</script>` });
    await editor().getByText('This channel has its own template.').waitFor();
  });

  it("refuses a Liquid syntax error: the API's message with its line next to the field, the preview says so, nothing stored", async () => {
    const before = await stored();
    await sourceField().fill('Title\n{% if incident.severity == "critical" %}\nno endif');
    await preview().getByRole('alert').filter({ hasText: /line 2/ }).waitFor();
    await editor().getByRole('button', { name: 'Save template' }).click();
    const error = editor().locator('.field').filter({ has: page.getByLabel('Template (LiquidJS)') }).locator('.error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^line 2, column \d+: .*if/);
    expect(await sourceField().getAttribute('aria-invalid')).toBe('true');
    expect(await stored()).toEqual(before);
  });

  it('goes back to the built-in template by keyboard', async () => {
    const revert = editor().getByRole('button', { name: 'Use the built-in template' });
    await revert.focus();
    await page.keyboard.press('Enter');
    await editor().getByRole('status').filter({ hasText: 'Back to the built-in template.' }).waitFor();
    const now = await stored();
    expect(now.overridden).toBe(false);
    expect((await service.api('GET', `/channels/${channelId}/templates`)).body.items).toEqual([]);
    await page.waitForFunction((expected) => (document.querySelector('textarea[name="source"]') as HTMLTextAreaElement | null)?.value === expected, now.source);
    expect(await revert.count()).toBe(0);
  });
});
