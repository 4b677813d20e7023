/**
 * "Paged" means reached. Bob's pages all fail on the fake Feishu (his direct message and the group notice that
 * @mentions him are refused) and the email fallback is refused by the SMTP peer: the card, the Details page, the admin
 * API and the timeline say he was not reached. Alice, paged at the next level, is reached and shown as paged. A page
 * that fails for a while and then goes out on a retry flips the person back to paged, with a timeline entry.
 */
import { startFakeFeishu, type FakeFeishu, type FakeRequest } from '../fakes/feishu-open-api.js';
import { SmtpInbox } from '../fakes/smtp-inbox.js';
import { createSmtpSender } from '../support/email-helpers.js';
import { FAST_TIMERS, createRule, createTeam, incidentOf, newFeishuApp, trigger, waitUntil, type OnCallTeam, type Person } from '../support/escalation-helpers.js';
import { cardText } from '../support/feishu-app-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

const BOB_EMAIL = 'bob.unreachable@example.com';

let fake: FakeFeishu;
let smtp: SmtpInbox;
let service: TestService;

beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
  smtp = await new SmtpInbox({ refuseRecipients: [BOB_EMAIL] }).start();
  service = await startTestService('sqlite', 'not_reached', { ...FAST_TIMERS, escalationSweepSeconds: 1, feishu: newFeishuApp(fake).config });
  await createSmtpSender(service, smtp.port, 'Oncall');
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await smtp?.close();
  await fake?.close();
});

const bodyOf = (request: FakeRequest) => (request.body ?? {}) as { receive_id?: string; content?: string };

/** A page to `person`: their direct message, or a group notice in the team's chat that @mentions them. */
const pageTo = (team: OnCallTeam, person: Person) => (request: FakeRequest) =>
  request.method === 'POST' &&
  request.path === '/open-apis/im/v1/messages' &&
  String(bodyOf(request).content).includes('Escalation level') &&
  (bodyOf(request).receive_id === person.user.open_id || (bodyOf(request).receive_id === team.chatId && String(bodyOf(request).content).includes(person.user.open_id)));

/** The incident's card in the team's chat, as its text once it says `expected`. */
async function cardSaying(team: OnCallTeam, incidentId: number, expected: string): Promise<string> {
  return waitUntil(
    `the card to say "${expected}"`,
    () => {
      const card = fake.state.cardsInChat(team.chatId).find((message) => cardText(message.content).includes(`#${incidentId}`));
      const text = card && cardText(card.content);
      return text?.includes(expected) ? text : undefined;
    },
    15_000,
  );
}

async function detailsPage(incidentId: number): Promise<string> {
  const url = new URL(service.services.links.detailsUrl(incidentId));
  const response = await fetch(`${service.url}${url.pathname}${url.search}`);
  expect(response.status).toBe(200);
  return response.text();
}

async function teamWithEmails(label: string): Promise<OnCallTeam> {
  const team = await createTeam(service, fake, label);
  await service.api('PATCH', `/members/${team.alice.memberId}`, { email: `alice.${label}@example.com` });
  await service.api('PATCH', `/members/${team.bob.memberId}`, { email: BOB_EMAIL });
  return team;
}

it('Bob, whose DM, group notice and fallback email were all refused, shows as not reached; Alice, reached at level 2, as paged', async () => {
  const team = await teamWithEmails('unreached');
  await createRule(service, team, [
    { people: [team.bob], waitMinutes: 60 },
    { people: [team.alice], waitMinutes: 60 },
  ]);
  team.bob.user.botAvailable = false; // Bob's DMs answer 230013 (the bot may not reach him)
  fake.state.injectFailures.push({
    method: 'POST', pathPrefix: '/open-apis/im/v1/messages', match: pageTo(team, team.bob),
    status: 400, body: { code: 230027, msg: 'Lack of necessary permissions' }, times: Infinity,
  });

  const incident = await trigger(service, team);
  const text = await cardSaying(team, incident.id, 'Bob (not reached)');
  expect(text).toContain('**Responders:** Bob (not reached)');
  expect(text).toContain('level 1/2 paged Bob (not reached)');
  expect(text).not.toContain('Bob (paged)');
  expect(text).toContain('Not reached by any page: Bob');

  const { incident: shown, timeline } = await incidentOf(service, incident.id);
  expect(shown.pagedResponders).toEqual([{ name: 'Bob', reach: 'not_reached' }]);
  expect(shown.escalation).toMatchObject({ level: 1, paged: ['Bob'], notReached: ['Bob'] });
  // The fallback was tried and refused; then the timeline says who no page reached.
  expect(timeline.find((entry) => entry.kind === 'fallback')?.detail).toMatchObject({ member: 'Bob', via: 'email', delivered: false });
  const notReached = timeline.filter((entry) => entry.kind === 'not_reached');
  expect(notReached).toHaveLength(1);
  expect(notReached[0].detail).toMatchObject({ level: 1, round: 1, members: 'Bob' });
  expect(notReached[0].detail.notReached).toContain('Bob (feishu direct message)');
  expect(notReached[0].detail.notReached).toContain('group chat');

  const page = await detailsPage(incident.id);
  expect(page).toContain('<dt>Paged</dt><dd><bdi>Bob</bdi> <span class="not-reached">(not reached)</span></dd>');
  expect(page).toContain('<dt>Last paged</dt><dd><bdi>Bob</bdi> <span class="not-reached">(not reached)</span></dd>');
  expect(page).toContain('Page not delivered');
  expect(page).toContain('level 1 · not reached: Bob');

  // Group bots' built-in messages (here as the preview renders them for a Telegram bot) say so too.
  const preview = await service.api('POST', `/channels/${team.channelId}/templates/preview`, { kind: 'telegram', event: 'closed', incidentId: incident.id });
  expect(preview.status).toBe(200);
  expect(JSON.stringify(preview.body)).toContain('Not reached by any page: Bob');

  // Level 2: Alice's DM and the group notice @mentioning her go out.
  expect((await service.api('POST', `/incidents/${incident.id}/escalate`, {})).body).toMatchObject({ outcome: 'paged', level: 2 });
  await waitUntil('Alice reached', async () => ((await incidentOf(service, incident.id)).incident.pagedResponders[1]?.reach === 'reached' ? true : undefined), 10_000);
  await service.services.escalations.idle();
  await service.services.cards.idle();
  const after = await cardSaying(team, incident.id, 'level 2/2 paged Alice');
  expect(after).toContain('**Responders:** Bob (not reached), Alice (paged)');
  expect((await incidentOf(service, incident.id)).incident.pagedResponders).toEqual([
    { name: 'Bob', reach: 'not_reached' },
    { name: 'Alice', reach: 'reached' },
  ]);
  const pageAfter = await detailsPage(incident.id);
  expect(pageAfter).toContain('<dt>Paged</dt><dd><bdi>Bob</bdi> <span class="not-reached">(not reached)</span>, <bdi>Alice</bdi></dd>');
  expect(pageAfter).toContain('<dt>Last paged</dt><dd><bdi>Alice</bdi></dd>');
}, 60_000);

it('a page that fails for a while shows Bob as not reached, and the retry that reaches him flips him back to paged', async () => {
  const team = await teamWithEmails('flip');
  await createRule(service, team, [{ people: [team.bob], waitMinutes: 60 }]);
  let feishuDown = true;
  fake.state.injectFailures.push({
    method: 'POST', pathPrefix: '/open-apis/im/v1/messages', match: (request) => feishuDown && pageTo(team, team.bob)(request),
    status: 503, body: 'upstream connect error', times: Infinity,
  });

  const incident = await trigger(service, team);
  await cardSaying(team, incident.id, 'Bob (not reached)');
  expect((await incidentOf(service, incident.id)).incident.pagedResponders).toEqual([{ name: 'Bob', reach: 'not_reached' }]);

  feishuDown = false;
  const text = await cardSaying(team, incident.id, 'Bob (paged)');
  expect(text).toContain('level 1/1 paged Bob\n');
  expect(text).toContain('Reached after all: Bob');
  const { incident: shown, timeline } = await incidentOf(service, incident.id);
  expect(shown.pagedResponders).toEqual([{ name: 'Bob', reach: 'reached' }]);
  expect(shown.escalation.notReached).toEqual([]);
  expect(timeline.find((entry) => entry.kind === 'reached')?.detail).toMatchObject({ level: 1, members: 'Bob' });
  expect(await detailsPage(incident.id)).toContain('<dt>Paged</dt><dd><bdi>Bob</bdi></dd>');
  expect(await detailsPage(incident.id)).toContain('level 1 · reached Bob');
}, 90_000);
