import type { Page } from 'playwright-core';
import { createMember } from '../support/admin-helpers.js';
import { openTab, signIn, type ConsoleTab } from '../support/console-browser.js';
import { launchChromium, type TestChromium } from '../support/test-chromium.js';
import { FeishuAppWorld, type BoundChat, type Person } from '../support/feishu-app-world.js';

/**
 * The console with the Feishu app configured against the fake Feishu Open API: the link-health view and its
 * one-click auto-match, the chat bindings of a channel, "send a test payload" on an integration, and an incident
 * whose paged person no page reached.
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

it('an incident whose level-1 person no page reached says "(not reached)" next to their name, escaped, and the person of the next level, reached, is not marked', async () => {
  const bob = await world.person('Bob <img src=x id=injected>');
  const carol = await world.person('Carol');
  for (const person of [bob, carol]) {
    const linked = await world.service.api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId: person.member!.id, externalId: person.user.open_id }] });
    expect(linked.status).toBe(200);
  }
  const storage = await world.boundChat({ channelName: 'Storage', members: [bob.user.open_id, carol.user.open_id] });
  const rule = await world.service.api('POST', `/channels/${storage.channel.id}/escalation-rules`, {
    name: 'Storage on-call',
    levels: [bob, carol].map((person) => ({ memberIds: [person.member!.id], waitMinutes: 60 })),
  });
  expect(rule.status).toBe(201);
  // Feishu refuses Bob's direct messages (230013) and the group notices that @mention him; no email is set up.
  bob.user.botAvailable = false;
  world.fake.state.injectFailures.push({
    method: 'POST', pathPrefix: '/open-apis/im/v1/messages', status: 400, body: { code: 230027, msg: 'Lack of necessary permissions' }, times: Infinity,
    match: (request) => (request.body as any)?.msg_type === 'text' && String((request.body as any)?.content).includes(bob.user.open_id),
  });
  await world.service.post(storage.integration.path, { msg_type: 'text', content: { text: 'disk full on db-9' } });
  const [incident] = (await world.service.api('GET', `/incidents?channelId=${storage.channel.id}`)).body.items;
  const firstReach = async () => (await world.service.api('GET', `/incidents/${incident.id}`)).body.incident.pagedResponders[0]?.reach;
  for (let tries = 0; (await firstReach()) !== 'not_reached' && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 100));

  await page.goto(`/console/#/incidents/${incident.id}`);
  const summary = page.locator('dl.facts').first();
  await summary.getByText('(not reached)').waitFor();
  expect(await summary.innerText()).toMatch(/Paged\s+Bob <img src=x id=injected> \(not reached\)/);
  expect(await page.locator('#injected').count()).toBe(0);
  await page.locator('.timeline').getByText('not reached: Bob <img src=x id=injected>').waitFor();

  await page.getByRole('button', { name: 'Escalate' }).click();
  await page.getByText('Escalated to level 2: paging Carol.').waitFor();
  // The page follows the change feed: Carol's page is accepted, and she is listed without a mark.
  await summary.getByText(/\(not reached\), Carol$/).waitFor({ timeout: 10_000 });
  const escalation = page.locator('dl.facts').nth(1);
  await escalation.getByText('Carol', { exact: true }).waitFor();
  expect(await escalation.innerText()).not.toContain('(not reached)');
  const reachOf = async () => (await world.service.api('GET', `/incidents/${incident.id}`)).body.incident.pagedResponders;
  for (let tries = 0; (await reachOf())[1]?.reach !== 'reached' && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await reachOf()).toEqual([
    { name: 'Bob <img src=x id=injected>', reach: 'not_reached' },
    { name: 'Carol', reach: 'reached' },
  ]);
});
