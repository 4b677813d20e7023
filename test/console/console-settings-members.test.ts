import type { Locator, Page } from 'playwright-core';
import { openTab, PHONE, signIn, type ConsoleTab } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * The Settings page (the email error thresholds) and editing a member (admin mark, contact methods, IM links), in a
 * real headless Chromium against the whole service; each change checked through the admin API.
 */
let service: TestService;
let chrome: TestChromium;
let tab: ConsoleTab;
let page: Page;
const dialogs: string[] = [];

beforeAll(async () => {
  service = await startTestService('sqlite', 'console-settings-members');
  chrome = await launchChromium();
  tab = await openTab(chrome.browser, service.url);
  page = tab.page;
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
  await signIn(page);
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await service?.stop();
});

afterEach(() => {
  expect(tab.problems).toEqual([]);
});

const field = (label: string) => page.locator('.field').filter({ has: page.getByLabel(label, { exact: true }) });
const NOTIFY = 'Notify admins after (failed checks in a row)';
const DISABLE = 'Disable after (failed checks in a row)';

async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.getByText(text).first().waitFor({ timeout: 5000 });
}

describe('Settings', () => {
  it('is in the top navigation and shows the default thresholds with what each does', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await page.getByLabel(NOTIFY).inputValue()).toBe('3');
    expect(await page.getByLabel(DISABLE).inputValue()).toBe('10');
    // The hints are tied to their fields for screen readers.
    await expect(page.getByLabel(NOTIFY).getAttribute('aria-describedby')).resolves.toMatch(/hint/);
    await expectText(field(NOTIFY), /admins .* get an email and an IM direct message/);
    await expectText(field(DISABLE), 'Must be more than the number above');
  });

  it("puts the API's message for an out-of-range value next to that field and stores nothing", async () => {
    await page.getByLabel(NOTIFY).fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText(field(NOTIFY).locator('.error'), 'Too small');
    expect(await field(DISABLE).locator('.error').count()).toBe(0);
    await page.getByLabel(NOTIFY).fill('3');
    await page.getByLabel(DISABLE).fill('1001');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText(field(DISABLE).locator('.error'), 'Too big');
    expect(await field(NOTIFY).locator('.error').count()).toBe(0);
    expect((await service.api('GET', '/settings')).body).toEqual({ emailErrorsNotifyAfter: 3, emailErrorsDisableAfter: 10 });
  });

  it('refuses a notify threshold not below the disable one, at the field that was changed', async () => {
    await page.getByLabel(DISABLE).fill('10');
    await page.getByLabel(NOTIFY).fill('10');
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText(field(NOTIFY).locator('.error'), 'must be less than emailErrorsDisableAfter (10), so admins hear before an integration is disabled');
    expect((await service.api('GET', '/settings')).body).toEqual({ emailErrorsNotifyAfter: 3, emailErrorsDisableAfter: 10 });
  });

  it('saves a valid change, which a reload shows', async () => {
    await page.getByLabel(NOTIFY).fill('5');
    await page.getByLabel(DISABLE).fill('20');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect(await page.locator('.field .error').count()).toBe(0);
    expect((await service.api('GET', '/settings')).body).toEqual({ emailErrorsNotifyAfter: 5, emailErrorsDisableAfter: 20 });
    await page.reload();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    expect(await page.getByLabel(NOTIFY).inputValue()).toBe('5');
    expect(await page.getByLabel(DISABLE).inputValue()).toBe('20');
  });
});

describe('Members', () => {
  let memberId: number;

  it('creates a member, then edits it into an admin reached by email first', async () => {
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('heading', { name: 'New member' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await page.getByLabel('Email (optional)').fill('grace@example.com');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('link', { name: 'Edit Grace Hopper' }).click();
    await page.getByRole('heading', { name: 'Grace Hopper', level: 1 }).waitFor();
    memberId = Number(/#\/members\/(\d+)$/.exec(page.url())![1]);

    await page.getByLabel('Mobile (optional)').fill('+86 138 0000 0042');
    await page.getByLabel('Admin', { exact: true }).check();
    // The default order (IM, then email) is shown; moving email up makes it the member's own order.
    await page.getByRole('button', { name: 'Move Email up' }).focus();
    await page.keyboard.press('Enter');
    // Email is now first, so its Up button is disabled: the focus stays in its row rather than falling to the page.
    await page.getByRole('button', { name: 'Move Email down' }).and(page.locator(':focus')).waitFor({ timeout: 5000 });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    await page.getByRole('heading', { name: 'Grace Hopper Admin', level: 1 }).waitFor();

    expect((await service.api('GET', `/members/${memberId}`)).body).toMatchObject({
      name: 'Grace Hopper',
      email: 'grace@example.com',
      phone: '+86 138 0000 0042',
      isAdmin: true,
      contactMethods: ['email', 'im'],
    });
  });

  it('removes a method and goes back to the default order', async () => {
    await page.getByRole('button', { name: 'Remove IM direct message' }).click();
    await page.getByRole('button', { name: 'Add IM direct message' }).and(page.locator(':focus')).waitFor({ timeout: 5000 });
    // The last method cannot be removed: a member must be reachable some way.
    expect(await page.getByRole('button', { name: 'Remove Email' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect((await service.api('GET', `/members/${memberId}`)).body.contactMethods).toEqual(['email']);

    await page.getByRole('button', { name: 'Use the default order' }).click();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved.').waitFor();
    expect((await service.api('GET', `/members/${memberId}`)).body.contactMethods).toBeNull();
  });

  it("puts the API's message next to the field and keeps the stored member", async () => {
    await page.getByLabel('Mobile (optional)').fill('call me maybe');
    await page.getByLabel('Name', { exact: true }).fill('x'.repeat(101));
    await page.getByRole('button', { name: 'Save' }).click();
    await expectText(field('Mobile (optional)').locator('.error'), 'must be a phone number');
    await expectText(field('Name').locator('.error'), 'Too big');
    expect((await service.api('GET', `/members/${memberId}`)).body).toMatchObject({ name: 'Grace Hopper', phone: '+86 138 0000 0042' });
  });

  it("lists the member's IM links with the account ids, on its page and in the list with an Admin badge", async () => {
    const mapped = await service.api('POST', '/im-identities', {
      platform: 'feishu',
      mappings: [{ memberId, externalId: 'ou_grace_1' }, { memberId, userId: 'grace_uid' }],
    });
    expect(mapped.status).toBe(200);
    await page.reload();
    const links = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'IM links' }) });
    await expectText(links, 'ou_grace_1');
    await expectText(links, 'mapped by an admin');
    await expectText(links, 'user id grace_uid');
    await expectText(links, "waiting for the account's first use");

    await page.getByRole('link', { name: 'Members', exact: true }).first().click();
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'Grace Hopper', exact: true }) });
    await expectText(row, 'ou_grace_1');
    expect(await row.locator('.badge.admin').innerText()).toBe('Admin');
  });

  it('shows a name with HTML in it as text, in the list and on its page', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    await page.getByLabel('Name', { exact: true }).fill(hostile);
    await page.getByRole('button', { name: 'Add member' }).click();
    const link = page.getByRole('link', { name: hostile, exact: true });
    await link.waitFor();
    await link.click();
    await page.getByRole('heading', { name: hostile, level: 1 }).waitFor();
    await expectText(page.locator('.crumbs'), hostile);
    expect(await page.locator('main img').count()).toBe(0);
    await page.getByRole('link', { name: 'Members', exact: true }).first().click();
    await page.getByRole('link', { name: `Edit ${hostile}` }).waitFor();
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('edits a member at phone width too, every field reachable by its label', async () => {
    const phone = await openTab(chrome.browser, service.url, PHONE);
    try {
      await signIn(phone.page);
      await phone.page.goto(`/console/#/members/${memberId}`);
      await phone.page.getByRole('heading', { name: /^Grace Hopper/, level: 1 }).waitFor();
      for (const label of ['Name', 'Email (optional)', 'Mobile (optional)', 'Admin']) await phone.page.getByLabel(label, { exact: true }).waitFor();
      await phone.page.getByLabel('Admin', { exact: true }).uncheck();
      await phone.page.getByRole('button', { name: 'Save' }).click();
      await phone.page.getByRole('status').getByText('Saved.').waitFor();
      expect((await service.api('GET', `/members/${memberId}`)).body.isAdmin).toBe(false);
      // Nothing wider than the screen.
      expect(await phone.page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number)).toBeLessThanOrEqual(PHONE.width);
      expect(phone.problems).toEqual([]);
    } finally {
      await phone.context.close();
    }
  });
});
