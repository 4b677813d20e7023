import type { Page } from 'playwright-core';
import { createMember } from '../support/admin-helpers.js';
import { openTab, signIn, type ConsoleTab } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { FeishuAppWorld, type BoundChat, type Person } from '../support/feishu-app-world.js';

/**
 * The console with the Feishu app configured against the fake Feishu Open API: the link-health view and its
 * one-click auto-match, the chat bindings of a channel, and "send a test payload" on an integration.
 */
let world: FeishuAppWorld;
let chrome: TestChromium;
let tab: ConsoleTab;
let page: Page;
let alice: Person;
let dan: { id: number };
let setup: BoundChat;

beforeAll(async () => {
  world = await FeishuAppWorld.start('sqlite', 'console-feishu');
  alice = await world.person('Alice Chen');
  // A member whose email and mobile nobody has in the Feishu tenant.
  dan = await createMember(world.service, 'Dan Zhou', { email: 'dan.zhou@example.com' });
  setup = await world.boundChat({ channelName: 'Payments' });
  chrome = await launchChromium();
  tab = await openTab(chrome.browser, world.service.url);
  page = tab.page;
  await signIn(page);
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await world?.stop();
});

afterEach(() => {
  expect(tab.problems).toEqual([]);
});

it('lists the members not linked on Feishu and links them by email in one click, saying whom it did not find', async () => {
  await page.getByRole('link', { name: 'Members' }).click();
  const feishu = page.locator('.platform-health').filter({ hasText: 'feishu' });
  await feishu.getByText('2 not linked').waitFor();
  await feishu.getByRole('button', { name: 'Link by email/mobile' }).click();
  const report = feishu.locator('.link-report');
  await report.waitFor();
  expect(await report.innerText()).toMatch(/Linked: Alice Chen \(by email\)\.\s+Not found: Dan Zhou \(.+\)\./);
  await feishu.getByText('1 not linked: Dan Zhou').waitFor();

  const links = await world.service.api('GET', `/members/${alice.member!.id}/im-identities`);
  expect(links.body.items).toEqual([expect.objectContaining({ platform: 'feishu', externalId: alice.user.open_id })]);
  expect((await world.service.api('GET', `/members/${dan.id}/im-identities`)).body.items).toEqual([]);
});

it("shows a channel's bound Feishu chat and unbinds it", async () => {
  await page.goto(`/console/#/channels/${setup.channel.id}`);
  const bindings = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Chat bindings' }) });
  await bindings.getByText('Payments room').waitFor();
  await bindings.getByRole('button', { name: 'Unbind Payments room' }).click();
  await bindings.getByText('No chat is bound.').waitFor();
  expect((await world.service.api('GET', '/chat-bindings')).body.items).toEqual([]);
});

it('sends a test payload: accepted, its Alert Key and where it would go, with nothing stored', async () => {
  const integrations = (await world.service.api('GET', '/integrations')).body.items;
  await page.goto(`/console/#/integrations/${integrations[0].id}`);
  await page.getByLabel('Message (the JSON a sender posts)').fill(JSON.stringify({ msg_type: 'text', content: { text: 'disk full on db-7' } }));
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const result = page.locator('.test-result');
  await result.waitFor();
  const text = await result.innerText();
  expect(text).toMatch(/Accepted\s+yes/);
  expect(text).toMatch(/Action\s+trigger/);
  expect(text).toMatch(/Routed to\s+Payments/);

  await page.getByLabel('Message (the JSON a sender posts)').fill('{"msg_type": "text", ');
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await page.locator('.field.has-error').getByText('not valid JSON').waitFor();
  expect((await world.service.api('GET', '/incidents')).body.items).toEqual([]);
});
