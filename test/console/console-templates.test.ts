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
/** Waits until the editor holds `expected` (the chosen template loads after the choice). */
const sourceIs = (expected: string) =>
  page.waitForFunction((value) => (globalThis as any).document.querySelector('textarea[name="source"]')?.value === value, expected);
/** The focused control: its name, or a button's text. */
const focused = () =>
  page.evaluate(() => {
    const active = (globalThis as any).document.activeElement;
    return active?.getAttribute('name') ?? active?.textContent;
  });
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
    await sourceIs(builtIn.source);
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
    expect(await error.textContent()).toBe('line 2, column 1: tag {% if incident.severity == "critical" %} not closed');
    expect(await preview().getByRole('alert').textContent()).toBe(
      'This template fails: line 2, column 1: tag {% if incident.severity == "critical" %} not closed. The built-in message below would be sent instead.',
    );
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
    await sourceIs(now.source);
    expect(await revert.count()).toBe(0);
  });

  it('switching event shows that template, not the edit of the previous one, and previews it', async () => {
    await sourceField().fill('Edited for triggered\nnot saved');
    await editor().getByLabel('Event').selectOption('closed');
    const closed = await stored('email', 'closed');
    await sourceIs(closed.source);
    const expected = (await service.api('POST', `/channels/${channelId}/templates/preview`, { event: 'closed', kind: 'email', source: closed.source })).body.items[0];
    expect(expected.title).toMatch(/^\[Closed\]/);
    await preview().locator('.preview-title').filter({ hasText: expected.title }).waitFor();
    expect(await preview().locator('.preview-body').textContent()).toBe(expected.body);
    expect((await service.api('GET', `/channels/${channelId}/templates`)).body.items).toEqual([]);
  });

  it('drops a slow answer for a choice already left: the editor shows the template chosen last, ready to save', async () => {
    const slowPath = `**/api/v1/channels/${channelId}/templates/email/acknowledged`;
    let slowAnswered = false;
    await page.route(slowPath, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
      slowAnswered = true;
    });
    try {
      await editor().getByLabel('Event').selectOption('acknowledged');
      await editor().getByLabel('Event').selectOption('triggered');
      const triggered = await stored('email', 'triggered');
      await sourceIs(triggered.source);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(slowAnswered).toBe(true);
      expect(await sourceField().inputValue()).toBe(triggered.source);
      expect(await editor().getByRole('button', { name: 'Save template' }).isEnabled()).toBe(true);
    } finally {
      await page.unroute(slowPath);
    }
    await editor().getByLabel('Event').selectOption('closed');
    await sourceIs((await stored('email', 'closed')).source);
  });

  it('is used by keyboard alone: destination, event, template, save in tab order', async () => {
    await editor().getByLabel('Destination').focus();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('event');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('source');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Closed by keyboard\nbody');
    await preview().locator('.preview-title').filter({ hasText: 'Closed by keyboard' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Save template');
    await page.keyboard.press('Enter');
    await editor().getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await stored('email', 'closed')).toMatchObject({ overridden: true, source: 'Closed by keyboard\nbody' });
  });

  it('says when a template that hit a limit is skipped, and until when', async () => {
    // 300 rounds of 200 characters: over the output limit, well within the time one.
    await sourceField().fill(`Long\n{% for i in (1..300) %}${'x'.repeat(200)}{% endfor %}`);
    await preview().getByRole('alert').filter({ hasText: 'the output is longer than 50000 characters' }).waitFor();
    await editor().getByRole('button', { name: 'Save template' }).click();
    await editor()
      .getByRole('status')
      .filter({ hasText: 'Saved, with warnings: with the sample incident: the output is longer than 50000 characters (the built-in template would be sent instead)' })
      .waitFor();
    // Rendering the channel's stored templates as a message would be (no source given) meets the limit: the template sits out a while.
    const rendered = await service.api('POST', `/channels/${channelId}/templates/preview`, { event: 'closed', kind: 'email' });
    expect(rendered.body.items[0]).toMatchObject({ from: 'built-in', error: { message: 'the output is longer than 50000 characters' } });
    const skipped = (await stored('email', 'closed')).skipped;
    expect(skipped).toMatchObject({ error: { message: 'the output is longer than 50000 characters' } });

    await page.reload();
    await editor().getByLabel('Destination').selectOption('email');
    await editor().getByLabel('Event').selectOption('closed');
    const banner = editor().getByRole('alert').filter({ hasText: 'hit a limit' });
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(
      /^This template hit a limit \(the output is longer than 50000 characters\): the built-in one is sent instead until .+ \(in [45] min\)\.$/,
    );
    // The end the API gave (read again by the page: a skip's end is what is left of its hold, so reads may differ by a few ms).
    const shownUntil = Date.parse((await banner.locator('time').getAttribute('datetime'))!);
    expect(Math.abs(shownUntil - Date.parse(skipped.until))).toBeLessThan(1000);
  });
});
