/**
 * Email as an escalation destination and as the IM-failure fallback, against a real SMTP peer (smtp-server): alerts in
 * through the Feishu-compatible endpoint, rules, members and bots through the admin API.
 */
import { SmtpInbox } from '../fakes/smtp-inbox.js';
import { startFakeWebhookBots, type FakeWebhookBots } from '../fakes/webhook-bots.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { randomHex, waitFor } from '../support/feishu-app-helpers.js';
import { createIntegration, incidentDetail, postMessage } from '../support/feishu-helpers.js';
import { FAST_TIMERS, sleep } from '../support/escalation-helpers.js';
import { createSmtpSender, integrationView } from '../support/email-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('email pages and the IM-failure fallback on %s', (kind) => {
  let service: TestService;
  let smtp: SmtpInbox;
  let bots: FakeWebhookBots;
  let senderId: number;

  beforeAll(async () => {
    smtp = await new SmtpInbox({ refuseRecipients: ['bounced@example.com'] }).start();
    bots = await startFakeWebhookBots();
    service = await startTestService(kind, 'email_pages', { ...FAST_TIMERS, botRetry: { attempts: 2, firstDelayMs: 50, maxDelayMs: 100 } });
    senderId = await createSmtpSender(service, smtp.port, 'Oncall <Bot>');
  });
  afterAll(async () => {
    await service?.stop();
    await bots?.close();
    await smtp?.close();
  });

  async function member(name: string, extra: Record<string, unknown> = {}): Promise<{ id: number; email: string }> {
    const email = `${name.toLowerCase()}.${randomHex(3)}@example.com`;
    const answer = await service.api('POST', '/members', { name, email, ...extra });
    expect(answer.status).toBe(201);
    return { id: answer.body.id, email: answer.body.email };
  }
  const mailsTo = (address: string) => smtp.received.filter((mail) => mail.to.includes(address));

  it('a level with notifyEmail mails each member once, alert text escaped for HTML and the subject kept to one line', async () => {
    const integration = await createIntegration(service);
    const ann = await member('Ann');
    const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'by email',
      levels: [{ memberIds: [ann.id], notifyGroupChats: false, notifyDirect: false, notifyEmail: true, waitMinutes: 60 }],
    });
    expect(rule.status).toBe(201);
    const title = 'db-1 down <img src=x onerror=alert(1)> & "quotes"';
    expect((await service.post(integration.path, postMessage(title, '<script>steal()</script> disk full'))).body.code).toBe(0);
    const mail = await waitFor('page email', () => mailsTo(ann.email)[0]);
    // The channel's `page` templates (the built-in ones here) write the email.
    expect(mail.subject).toMatch(/^\[Escalation\] #\d+ db-1 down <img src=x onerror=alert\(1\)> & "quotes"$/);
    expect(mail.raw).toMatch(/^From: "Oncall <Bot>" <oncall@example\.com>/m);
    expect(mail.html).toContain('db-1 down &lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
    expect(mail.html).toContain('&lt;script&gt;steal()&lt;/script&gt;');
    expect(mail.html).not.toMatch(/<script|<img/);
    expect(mail.text).toContain('Escalation level 1: still triggered');
    await sleep(800);
    await service.services.escalations.idle();
    expect(mailsTo(ann.email)).toHaveLength(1);
    const health = (await integrationView(service, senderId)).health;
    expect(health.lastOutgoingAt).not.toBeNull();
    expect(health.outgoingErrors).toBe(0);
  });

  it("the channel's own page templates write the email page and the fallback email, which still says what failed", async () => {
    async function templatedChannel(levelOf: (channelId: number) => Promise<Record<string, unknown>>) {
      const integration = await createIntegration(service);
      const put = (templateKind: string, source: string) => service.api('PUT', `/channels/${integration.channelId}/templates/${templateKind}/page`, { source });
      expect((await put('email', 'PAGED L{{ level }} {{ incident.title }}\n\nFor {% for person in mentions %}{{ person.name }}{% endfor %}: {{ incident.detailsUrl }}')).status).toBe(201);
      expect((await put('email-html', '<p class="ours">{{ incident.title }} for {{ mentions[0].name }}</p>')).status).toBe(201);
      const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
        name: 'templated',
        levels: [{ notifyGroupChats: false, notifyDirect: false, waitMinutes: 60, ...(await levelOf(integration.channelId)) }],
      });
      expect(rule.status).toBe(201);
      return integration;
    }
    const eli = await member('Eli');
    const byEmail = await templatedChannel(async () => ({ memberIds: [eli.id], notifyEmail: true }));
    expect((await service.post(byEmail.path, postMessage('cache <cold>', 'x'))).body.code).toBe(0);
    const page = await waitFor('templated page email', () => mailsTo(eli.email)[0]);
    expect(page.subject).toBe('PAGED L1 cache <cold>');
    expect(page.text).toMatch(/^For Eli: http/);
    expect(page.html).toContain('<p class="ours">cache &lt;cold&gt; for Eli</p>');
    expect(page.text).not.toContain('You get this by email');

    // A level paging through a bot that is gone: the fallback email comes from the channel's template too.
    const dee = await member('Dee');
    const gone = bots.state.addBot('wecom');
    const byBot = await templatedChannel(async (channelId) => {
      const botId = (await service.api('POST', `/channels/${channelId}/bots`, { name: 'empty room', kind: 'wecom', url: gone.url, events: [] })).body.id;
      return { memberIds: [dee.id], notifyBotIds: [botId] };
    });
    bots.state.removeBot(gone);
    expect((await service.post(byBot.path, postMessage('queue <stuck>', 'y'))).body.code).toBe(0);
    const fallback = await waitFor('templated fallback email', () => mailsTo(dee.email)[0], 8000);
    expect(fallback.subject).toBe('PAGED L1 queue <stuck>');
    expect(fallback.text).toContain('For Dee:');
    expect(fallback.text).toContain('You get this by email because the im message failed (wecom bot "empty room"');
    expect(fallback.html).toContain('<p class="ours">queue &lt;stuck&gt; for Dee</p>');
    expect(fallback.html).toContain('<i>You get this by email because the im message failed (wecom bot &quot;empty room&quot;');
  });

  it('a group bot that is gone: its members are emailed instead and the timeline says so; a member who wants IM only is not', async () => {
    const integration = await createIntegration(service);
    const ann = await member('Ann');
    const imOnly = await member('Ivan', { contactMethods: ['im'] });
    const gone = bots.state.addBot('wecom');
    const botId = (await service.api('POST', `/channels/${integration.channelId}/bots`, { name: 'ops room', kind: 'wecom', url: gone.url, events: [] })).body.id;
    bots.state.removeBot(gone);
    const rule = await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'bot then mail',
      levels: [{ memberIds: [ann.id, imOnly.id], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [botId], waitMinutes: 60 }],
    });
    expect(rule.status).toBe(201);
    expect((await service.post(integration.path, postMessage('nobody in the room', 'x'))).body.code).toBe(0);
    const mail = await waitFor('fallback email', () => mailsTo(ann.email)[0], 8000);
    expect(mail.text).toContain('You get this by email because the im message failed (wecom bot "ops room"');
    const incident = (await service.api('GET', '/incidents?limit=1')).body.items[0];
    const entry = await waitFor('fallback on the timeline', async () => (await incidentDetail(service, incident.id)).timeline.find((item: any) => item.kind === 'fallback'));
    expect(entry.detail).toMatchObject({ member: 'Ann', via: 'email', instead: 'im', delivered: true, level: 1 });
    expect(entry.detail.reason).toContain('wecom bot "ops room": target_gone');
    await sleep(500);
    await service.services.escalations.idle();
    expect(mailsTo(imOnly.email)).toHaveLength(0);
    expect(mailsTo(ann.email)).toHaveLength(1);
    const entries = (await incidentDetail(service, incident.id)).timeline.filter((item: any) => item.kind === 'fallback');
    expect(entries).toHaveLength(1);
  });

  it('outgoing failures count on the sender and show on the timeline; the next good send resets the count', async () => {
    const integration = await createIntegration(service);
    const bounced = await service.api('POST', '/members', { name: 'Bea', email: 'bounced@example.com' });
    expect(bounced.status).toBe(201);
    const cy = await member('Cy');
    const gone = bots.state.addBot('wecom');
    const botId = (await service.api('POST', `/channels/${integration.channelId}/bots`, { name: 'gone room', kind: 'wecom', url: gone.url, events: [] })).body.id;
    bots.state.removeBot(gone);
    await service.api('POST', `/channels/${integration.channelId}/escalation-rules`, {
      name: 'bounce',
      levels: [{ memberIds: [bounced.body.id], notifyGroupChats: false, notifyDirect: false, notifyBotIds: [botId], waitMinutes: 60 }],
    });
    const before = (await integrationView(service, senderId)).health.outgoingErrors;
    expect((await service.post(integration.path, postMessage('bounce me', 'x'))).body.code).toBe(0);
    const incident = (await service.api('GET', '/incidents?limit=1')).body.items[0];
    const entry = await waitFor('failed fallback on the timeline', async () => (await incidentDetail(service, incident.id)).timeline.find((item: any) => item.kind === 'fallback'), 8000);
    expect(entry.detail).toMatchObject({ member: 'Bea', via: 'email', delivered: false });
    expect(entry.detail.error).toMatch(/SMTP 127\.0\.0\.1:\d+: .*550/);
    const failing = (await integrationView(service, senderId)).health;
    expect(failing.outgoingErrors).toBe(before + 1);
    expect(failing.lastOutgoingError).toMatch(/550/);

    const second = await createIntegration(service);
    await service.api('POST', `/channels/${second.channelId}/escalation-rules`, {
      name: 'good mail',
      levels: [{ memberIds: [cy.id], notifyGroupChats: false, notifyDirect: false, notifyEmail: true, waitMinutes: 60 }],
    });
    expect((await service.post(second.path, postMessage('mail works again', 'x'))).body.code).toBe(0);
    await waitFor('good email', () => mailsTo(cy.email)[0]);
    await waitFor('count reset', async () => ((await integrationView(service, senderId)).health.outgoingErrors === 0 ? true : undefined));
  });
});
