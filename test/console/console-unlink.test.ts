import type { Dialog, Page } from 'playwright-core';
import { RefusingImap } from '../fakes/refusing-imap.js';
import { createMember } from '../support/admin-helpers.js';
import { openTab, signIn, type ConsoleTab } from '../support/console-browser.js';
import { eventually, localMailboxBody, mailboxDisabledAfterErrors } from '../support/email-helpers.js';
import { createChannel } from '../support/feishu-helpers.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { startTestService, type TestService } from '../support/test-service.js';

/**
 * In a real headless Chromium against the whole service: unlinking an IM account from the member page (confirm,
 * the card updated, the API's error shown), and the integrations list marking a disabled integration, loudly when
 * the service disabled it after consecutive errors.
 */
const HOSTILE_NAME = `Eve <img src=x onerror="document.title='pwned'">`;

let service: TestService;
let imap: RefusingImap;
let chrome: TestChromium;
let tab: ConsoleTab;
let page: Page;
let answerDialog: (dialog: Dialog) => Promise<void> = (dialog) => dialog.dismiss();
const dialogs: string[] = [];

beforeAll(async () => {
  imap = await new RefusingImap('no such mailbox').start();
  service = await startTestService('sqlite', 'console-unlink');
  chrome = await launchChromium();
  tab = await openTab(chrome.browser, service.url);
  page = tab.page;
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void answerDialog(dialog);
  });
  await signIn(page);
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await service?.stop();
  await imap?.close();
});

afterEach(() => {
  expect(tab.problems).toEqual([]);
});

describe('unlinking an IM account on the member page', () => {
  let memberId: number;
  const links = () => page.locator('.card').filter({ has: page.getByRole('heading', { name: 'IM links' }) });
  const linkedAccounts = async () => ((await service.api('GET', `/members/${memberId}/im-identities`)).body.items as any[]).map((link) => link.externalId);

  beforeAll(async () => {
    memberId = (await createMember(service, HOSTILE_NAME, { email: 'eve@example.com' })).id;
    const mapped = await service.api('POST', '/im-identities', {
      platform: 'feishu',
      mappings: [{ memberId, externalId: 'ou_eve_work' }, { memberId, externalId: 'ou_eve_wrong' }, { memberId, userId: 'eve_uid' }],
    });
    expect(mapped.status).toBe(200);
  });

  it('asks first, naming the account and the member; cancelling changes nothing', async () => {
    await page.goto(`/console/#/members/${memberId}`);
    await links().getByText('ou_eve_wrong').waitFor();
    // A mapping still waiting for the account's first use has no account to unlink yet.
    expect(await links().getByRole('button', { name: /^Unlink / }).evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label')))).toEqual([
      'Unlink feishu account ou_eve_work',
      'Unlink feishu account ou_eve_wrong',
    ]);
    answerDialog = (dialog) => dialog.dismiss();
    await links().getByRole('button', { name: 'Unlink feishu account ou_eve_wrong' }).click();
    await eventually(async () => dialogs.length, (count) => count === 1, 5000);
    expect(dialogs[0]).toContain(`Unlink the feishu account ou_eve_wrong from ${HOSTILE_NAME}?`);
    expect(dialogs[0]).toContain('it will not be linked to');
    expect(await linkedAccounts()).toEqual(expect.arrayContaining(['ou_eve_work', 'ou_eve_wrong']));
    await links().getByText('ou_eve_wrong').waitFor();
  });

  it('unlinks the one account once confirmed (from the keyboard), and the card shows what is left', async () => {
    answerDialog = (dialog) => dialog.accept();
    await links().getByRole('button', { name: 'Unlink feishu account ou_eve_wrong' }).focus();
    await page.keyboard.press('Enter');
    await links().locator('li').filter({ hasText: 'ou_eve_wrong' }).waitFor({ state: 'detached' });
    await links().locator('li').filter({ hasText: 'ou_eve_work' }).waitFor();
    await links().getByText('user id eve_uid').waitFor();
    expect(await linkedAccounts()).toEqual(expect.arrayContaining(['ou_eve_work', null]));
    expect(await linkedAccounts()).not.toContain('ou_eve_wrong');
    expect(await links().getByRole('alert').count()).toBe(0);
    expect(await links().getByRole('status').innerText()).toBe('Unlinked the feishu account ou_eve_wrong. Undo');
    // The member's name went into the question as text only.
    expect(await page.locator('main img').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
  });

  it('Undo links the account again, as an explicit admin mapping', async () => {
    await links().getByRole('button', { name: 'Undo' }).click();
    await links().locator('li').filter({ hasText: 'ou_eve_wrong' }).getByText('mapped by an admin').waitFor();
    expect(await linkedAccounts()).toEqual(expect.arrayContaining(['ou_eve_work', 'ou_eve_wrong']));
    expect(await links().getByRole('status').innerText()).toBe('');
    // And away again, for the next test.
    await links().getByRole('button', { name: 'Unlink feishu account ou_eve_wrong' }).click();
    await links().locator('li').filter({ hasText: 'ou_eve_wrong' }).waitFor({ state: 'detached' });
  });

  it("shows the API's error when the unlink fails (unlinked meanwhile elsewhere), and the card catches up", async () => {
    expect((await service.api('DELETE', `/members/${memberId}/im-identities/feishu/ou_eve_work`)).status).toBe(204);
    await links().getByRole('button', { name: 'Unlink feishu account ou_eve_work' }).click();
    const alert = links().getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe(`Unlink failed: member ${memberId} has no feishu link to the account ou_eve_work`);
    await links().locator('li').filter({ hasText: 'ou_eve_work' }).waitFor({ state: 'detached' });
    expect(await links().getByRole('button', { name: /^Unlink / }).count()).toBe(0);
  });

  it('withdraws the mapping by user id that no account has used yet, after asking', async () => {
    answerDialog = (dialog) => dialog.accept();
    const before = dialogs.length;
    await links().getByRole('button', { name: 'Withdraw feishu mapping by eve_uid' }).click();
    await links().getByText('user id eve_uid').waitFor({ state: 'detached' });
    expect(dialogs[before]).toContain(`Withdraw the feishu mapping of ${HOSTILE_NAME} by user id eve_uid?`);
    expect(await linkedAccounts()).toEqual([]);
    await links().getByText('Not linked on any IM.').waitFor();
  });
});

describe('the integrations list', () => {
  let autoDisabled: number;
  let plainDisabled: number;
  let running: number;

  beforeAll(async () => {
    const channelId = await createChannel(service);
    autoDisabled = await mailboxDisabledAfterErrors(service, 'Refused mailbox', channelId, imap.port);
    const off = await service.api('POST', '/integrations', localMailboxBody('Mailbox switched off', channelId, imap.port, { enabled: false }));
    expect(off.status).toBe(201);
    plainDisabled = off.body.id;
    const hook = await service.api('POST', '/integrations', { name: 'Alertmanager hook', channelId });
    expect(hook.status).toBe(201);
    running = hook.body.id;
  }, 40_000);

  const item = (id: number) => page.locator('ul.cards > li').filter({ has: page.locator(`a[href="#/integrations/${id}"]`) });

  it('marks an integration the service disabled after errors apart from one disabled by hand, and an enabled one not at all', async () => {
    await page.goto('/console/#/integrations');
    await item(autoDisabled).waitFor();
    expect(await item(autoDisabled).locator('.badge').allInnerTexts()).toEqual(['Disabled after errors']);
    expect(await item(autoDisabled).locator('.badge.disabled-errors').getAttribute('title')).toMatch(/^Disabled automatically at \S/);
    expect(await item(plainDisabled).locator('.badge').allInnerTexts()).toEqual(['Disabled']);
    expect(await item(running).locator('.badge').count()).toBe(0);
    // It stands out: not the quiet grey of a plain "Disabled".
    const colours = async (id: number) => item(id).locator('.badge').evaluate((badge) => (globalThis as any).getComputedStyle(badge).backgroundColor as string);
    expect(await colours(autoDisabled)).not.toBe(await colours(plainDisabled));
  });

  it('drops the mark once an admin enables it again', async () => {
    expect((await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 50, emailErrorsDisableAfter: 100 })).status).toBe(200);
    expect((await service.api('PATCH', `/integrations/${autoDisabled}`, { enabled: true })).status).toBe(200);
    await page.reload();
    await item(autoDisabled).waitFor();
    expect(await item(autoDisabled).locator('.badge').count()).toBe(0);
    expect((await service.api('PATCH', `/integrations/${autoDisabled}`, { enabled: false })).status).toBe(200);
    await page.reload();
    await item(autoDisabled).waitFor();
    expect(await item(autoDisabled).locator('.badge').allInnerTexts()).toEqual(['Disabled']);
  });
});
