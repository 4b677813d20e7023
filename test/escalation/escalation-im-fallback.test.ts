/**
 * The IM-failure fallback on a chat app (Feishu fake): a member whose every IM message of a page failed for good is
 * emailed instead, with a timeline entry; a member reached on IM is not. And admin notices reach linked admins by
 * Feishu DM as well as by email. A real SMTP peer (smtp-server) receives the mail.
 */
import { createServer } from 'node:net';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-open-api.js';
import { SmtpInbox } from '../fakes/smtp-inbox.js';
import { FAST_TIMERS, createRule, createTeam, incidentOf, newFeishuApp, trigger, waitUntil, sleep } from '../support/escalation-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { createSmtpSender } from '../support/email-helpers.js';

let fake: FakeFeishu;
let smtp: SmtpInbox;
let service: TestService;

beforeAll(async () => {
  fake = await startFakeFeishu({ apps: {} });
  smtp = await new SmtpInbox().start();
  service = await startTestService('sqlite', 'im_fallback', { ...FAST_TIMERS, feishu: newFeishuApp(fake).config });
  await createSmtpSender(service, smtp.port, 'Oncall');
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await smtp?.close();
  await fake?.close();
});

const messagesTo = (openId: string) =>
  fake.state.requests.filter((request) => request.method === 'POST' && request.path === '/open-apis/im/v1/messages' && (request.body as any)?.receive_id === openId && request.code === 0);

it('a member whose DM and group chat both failed is emailed, with the reason on the timeline; one reached on IM is not', async () => {
  const team = await createTeam(service, fake, 'im-fallback');
  await service.api('PATCH', `/members/${team.alice.memberId}`, { email: 'alice.fallback@example.com' });
  await service.api('PATCH', `/members/${team.bob.memberId}`, { email: 'bob.fallback@example.com' });
  await createRule(service, team, [{ people: [team.alice, team.bob], waitMinutes: 10 }]);
  fake.state.chats.get(team.chatId)!.botIsMember = false; // group sends answer 230002
  team.bob.user.botAvailable = false; // Bob's DMs answer 230013

  const incident = await trigger(service, team);
  const mail = await waitUntil('the fallback email to Bob', () => smtp.received.find((received) => received.to.includes('bob.fallback@example.com')), 8000);
  // Written by the channel's page template (the built-in one here).
  expect(mail.subject).toBe(`[Escalation] #${incident.id} ${incident.title}`);
  expect(mail.text).toContain('You get this by email because the im message failed');
  const entry = await waitUntil('the fallback entry', async () => (await incidentOf(service, incident.id)).timeline.find((item) => item.kind === 'fallback'), 5000);
  expect(entry.detail).toMatchObject({ member: 'Bob', via: 'email', instead: 'im', delivered: true, level: 1 });
  expect(entry.detail.reason).toMatch(/feishu (group chat|direct message).*(permission_denied|target_gone|bad_request)|Bob \(feishu direct message\)/);
  await sleep(1000);
  await service.services.escalations.idle();
  expect(smtp.received.filter((received) => received.to.includes('alice.fallback@example.com'))).toHaveLength(0);
  expect((await incidentOf(service, incident.id)).timeline.filter((item) => item.kind === 'fallback')).toHaveLength(1);
});

it('admin notices about a failing mailbox reach linked admins by Feishu direct message and by email', async () => {
  const team = await createTeam(service, fake, 'admin-notice');
  await service.api('PATCH', `/members/${team.alice.memberId}`, { email: 'alice.admin@example.com', isAdmin: true });
  await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 2 });
  const closedPort = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const mailbox = await service.api('POST', '/integrations', {
    type: 'email',
    name: 'Dead mailbox',
    channelId: team.channelId,
    imapHost: '127.0.0.1',
    imapPort: closedPort,
    imapTls: false,
    imapUser: 'alerts',
    imapPassword: 'pw',
    pollSeconds: 1,
  });
  expect(mailbox.status).toBe(201);
  const dms = await waitUntil('two DMs to Alice', () => (messagesTo(team.alice.user.open_id).length >= 2 ? messagesTo(team.alice.user.open_id) : undefined), 15_000);
  const texts = dms.map((request) => JSON.parse((request.body as any).content).text as string);
  expect(texts[0]).toMatch(/^Email integration "Dead mailbox" \(#\d+\) has 1 consecutive incoming errors\. Last error: cannot connect to 127\.0\.0\.1:\d+: connection refused$/);
  expect(texts[1]).toContain('was disabled after 2 consecutive incoming errors');
  const mails = smtp.received.filter((received) => received.to.includes('alice.admin@example.com'));
  expect(mails.map((received) => received.subject)).toEqual(['[oncall] Email integration "Dead mailbox" is failing', '[oncall] Email integration "Dead mailbox" disabled']);
  expect((await service.api('GET', `/integrations/${mailbox.body.id}`)).body).toMatchObject({ enabled: false, lastModifiedBy: 'system' });
}, 30_000);
