import type { Locator, Page } from 'playwright-core';
import { RefusingImap } from '../fakes/refusing-imap.js';
import { openTab, signIn, type ConsoleTab } from '../support/console-browser.js';
import { eventually, integrationView, localMailboxBody } from '../support/email-helpers.js';
import { createChannel } from '../support/feishu-helpers.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * The Health panel of an email integration in a real headless Chromium: a mailbox server that refuses every login (in
 * hostile words) makes the checks fail until the threshold disables the integration; the page shows every health
 * field, the banner, and enables it again.
 */
const HOSTILE = `<img src=x onerror="document.title='pwned'"><b>bold</b>`;

let service: TestService;
let imap: RefusingImap;
let chrome: TestChromium;
let tab: ConsoleTab;
let page: Page;
let id: number;

beforeAll(async () => {
  imap = await new RefusingImap(HOSTILE).start();
  service = await startTestService('sqlite', 'console-integration-health');
  chrome = await launchChromium();
  tab = await openTab(chrome.browser, service.url);
  page = tab.page;
}, 60_000);

afterAll(async () => {
  if (id) await service?.api('PATCH', `/integrations/${id}`, { enabled: false });
  await chrome?.close();
  await service?.stop();
  await imap?.close();
});

afterEach(() => {
  expect(tab.problems).toEqual([]);
});

const health = () => page.getByRole('region', { name: 'Health' });
const banner = () => health().getByRole('alert').filter({ hasText: 'Disabled automatically' });
/** The value shown for a label in the panel's list. */
const valueOf = (scope: Locator, label: string) => scope.locator('dt').filter({ hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]');

describe('an email integration whose mailbox refuses every login', () => {
  it('is disabled automatically after the (lowered) threshold of consecutive errors', async () => {
    expect((await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 2 })).status).toBe(200);
    const created = await service.api('POST', '/integrations', localMailboxBody('Alert mailbox', await createChannel(service), imap.port));
    expect(created.status).toBe(201);
    id = created.body.id;
    const disabled = await eventually(() => integrationView(service, id), (view) => view.enabled === false, 30_000);
    expect(disabled.health).toMatchObject({ incomingErrors: 2, lastIncomingAt: null, lastSuccessfulCheckAt: null, lastOutgoingAt: null, outgoingErrors: 0 });
    expect(disabled.health.lastIncomingError).toBe(`IMAP login refused for alerts on 127.0.0.1:${imap.port}: ${HOSTILE}`);
  }, 40_000);

  it('shows every health field with a readable label, "never" for what never happened, and the banner with the error as text', async () => {
    await signIn(page);
    await page.goto(`/console/#/integrations/${id}`);
    await page.getByRole('heading', { name: 'Alert mailbox', level: 1 }).waitFor();
    const panel = health();
    await panel.waitFor();
    const labels = await panel.locator('dl.facts dt').allTextContents();
    expect(labels).toEqual([
      'Last mailbox check',
      'Last successful check',
      'Last mail received',
      'Consecutive incoming errors',
      'Last incoming error at',
      'Last incoming error',
      'Last mail sent',
      'Consecutive outgoing errors',
      'Last outgoing error at',
      'Last outgoing error',
      'Disabled automatically',
    ]);
    // Every field of the API's health object has its row.
    const view = await integrationView(service, id);
    expect(await panel.locator('dl.facts dd').evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-field')))).toEqual(
      expect.arrayContaining(Object.keys(view.health)),
    );
    expect(await valueOf(panel, 'Last mailbox check').textContent()).toMatch(/\(\d+ s ago\)$/);
    expect(await valueOf(panel, 'Last mailbox check').locator('time').getAttribute('datetime')).toBe(view.health.lastCheckAt);
    expect(await valueOf(panel, 'Last successful check').textContent()).toBe('never');
    expect(await valueOf(panel, 'Last mail received').textContent()).toBe('never');
    expect(await valueOf(panel, 'Last mail sent').textContent()).toBe('never');
    expect(await valueOf(panel, 'Consecutive incoming errors').textContent()).toBe('2');
    expect(await valueOf(panel, 'Consecutive outgoing errors').textContent()).toBe('0');
    expect(await valueOf(panel, 'Last outgoing error').textContent()).toBe('none');
    expect(await valueOf(panel, 'Last incoming error').textContent()).toBe(view.health.lastIncomingError);
    expect(await valueOf(panel, 'Disabled automatically').textContent()).toMatch(/ago\)$/);

    const text = await banner().textContent();
    expect(text).toMatch(/^Disabled automatically at .+ \(\d+ s ago\) after 2 consecutive incoming errors: /);
    expect(text).toContain(`IMAP login refused for alerts on 127.0.0.1:${imap.port}: ${HOSTILE}`);
    // The server's words are text: no image, no bold, no script ran.
    expect(await panel.locator('img, b').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');

    // The other fields are readable too.
    const facts = page.locator('.card dl.facts').first();
    expect(await valueOf(facts, 'Last changed by').textContent()).toBe('the service (disabled automatically)');
    expect(await valueOf(facts, 'Last changed').textContent()).toMatch(/ago\)$/);
    expect(await page.getByLabel('Enabled (off: its mailbox is not read)').isChecked()).toBe(false);
  });

  it('"Enable again" enables it (errors from zero) and the banner goes', async () => {
    // So the still-refusing mailbox does not disable it again while the test looks.
    expect((await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 50, emailErrorsDisableAfter: 100 })).status).toBe(200);
    const patched = page.waitForResponse((response) => response.request().method() === 'PATCH' && response.url().endsWith(`/integrations/${id}`));
    await banner().getByRole('button', { name: 'Enable again' }).click();
    // The API's answer to the click: enabled, its errors counted from zero.
    expect(await (await patched).json()).toMatchObject({ enabled: true, health: { incomingErrors: 0, disabledAutomaticallyAt: null } });
    await page.getByRole('status').filter({ hasText: 'Enabled.' }).waitFor();
    expect(await banner().count()).toBe(0);
    expect(await valueOf(health(), 'Disabled automatically').textContent()).toBe('never');
    expect(await page.getByLabel('Enabled (off: its mailbox is not read)').isChecked()).toBe(true);
    expect(await valueOf(page.locator('.card dl.facts').first(), 'Last changed by').textContent()).toBe('an admin');

    const view = await integrationView(service, id);
    expect(view).toMatchObject({ enabled: true, lastModifiedBy: 'admin' });
    expect(view.health.disabledAutomaticallyAt).toBeNull();
  });

  it('offers a mailbox only what applies to it: no "New URL", no test payload; its settings spelled IMAP, SMTP, TLS', async () => {
    await page.goto(`/console/#/integrations/${id}`);
    await page.getByRole('heading', { name: 'Alert mailbox', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'New URL' }).count()).toBe(0);
    const mailbox = page.locator('.copy-field').first();
    expect(await mailbox.locator('.copy-label').textContent()).toBe('Mailbox');
    expect(await mailbox.locator('.copy-value').textContent()).toBe(`alerts at 127.0.0.1:${imap.port}, folder INBOX`);
    expect(await page.getByRole('heading', { name: 'Send a test payload' }).count()).toBe(0);
    for (const label of ['IMAP host (optional)', 'IMAP TLS', 'SMTP security (optional)', 'IMAP password (optional)', 'Remove the stored IMAP password', 'Poll seconds (optional)']) {
      await page.getByLabel(label, { exact: true }).waitFor();
    }
  });
});

describe('an integration page left open', () => {
  it('shows the mailbox failing and being switched off without a reload, and keeps what the admin was typing', async () => {
    expect((await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 3 })).status).toBe(200);
    const created = await service.api('POST', '/integrations', localMailboxBody('Watched mailbox', await createChannel(service), imap.port, { pollSeconds: 2 }));
    expect(created.status).toBe(201);
    await page.goto(`/console/#/integrations/${created.body.id}`);
    await page.getByRole('heading', { name: 'Watched mailbox', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Watched mailbox (renamed, not saved)');
    await banner().waitFor({ timeout: 20_000 });
    expect(await valueOf(health(), 'Consecutive incoming errors').textContent()).toBe('3');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Watched mailbox (renamed, not saved)');
    expect((await integrationView(service, created.body.id)).name).toBe('Watched mailbox');
  }, 30_000);
});

describe('moving from one integration to another', () => {
  it('shows the second one fresh: not the first one\'s test result', async () => {
    const channelId = await createChannel(service);
    const first = await service.api('POST', '/integrations', { name: 'First hook', channelId });
    const second = await service.api('POST', '/integrations', { name: 'Second hook', channelId });
    await page.goto(`/console/#/integrations/${first.body.id}`);
    await page.getByRole('button', { name: 'New URL' }).waitFor();
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.locator('.test-result').waitFor();
    await page.evaluate((hash) => {
      (globalThis as any).location.hash = hash;
    }, `#/integrations/${second.body.id}`);
    await page.getByRole('heading', { name: 'Second hook', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Send a test payload' }).waitFor();
    expect(await page.locator('.test-result').count()).toBe(0);
  });
});
