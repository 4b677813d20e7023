import { SmtpInbox } from '../../fakes/smtp-inbox.js';
import { expectError } from '../../support/admin-helpers.js';
import { CapturedLog } from '../../support/captured-log.js';
import { startDovecot, type DovecotServer } from '../../support/dovecot.js';
import { alertsOf, createEmailIntegration, createSmtpSender, deliver, eventually, folderStatus, integrationView, newMailbox, plainMail } from '../../support/email-helpers.js';
import { startTestService, type TestService } from '../../support/test-service.js';

let dovecot: DovecotServer;
let smtp: SmtpInbox;
let service: TestService;
const log = new CapturedLog();

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = await new SmtpInbox().start();
  service = await startTestService('sqlite', 'email_health', { logLevel: 'debug' }, log);
  expect((await service.api('POST', '/members', { name: 'Ada Admin', email: 'ada@example.com', isAdmin: true })).status).toBe(201);
  expect((await service.api('POST', '/members', { name: 'Not Admin', email: 'nobody@example.com' })).status).toBe(201);
});
afterAll(async () => {
  await service?.stop();
  await smtp?.close();
  await dovecot?.close();
});

const createSender = (name?: string) => createSmtpSender(service, smtp.port, name);

describe('account settings', () => {
  it('shows the default thresholds, refuses a disable threshold under the notify one, and saves valid ones', async () => {
    expect(await service.api('GET', '/settings')).toEqual({ status: 200, body: { emailErrorsNotifyAfter: 3, emailErrorsDisableAfter: 10 } });
    expectError(await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 5, emailErrorsDisableAfter: 2 }), 400, 'validation', /emailErrorsDisableAfter/);
    expectError(await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 0 }), 400, 'validation', /emailErrorsNotifyAfter/);
    expectError(await service.api('PATCH', '/settings', { colour: 'red' }), 400, 'validation', /colour/);
    expect(await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 2, emailErrorsDisableAfter: 4 })).toEqual({
      status: 200,
      body: { emailErrorsNotifyAfter: 2, emailErrorsDisableAfter: 4 },
    });
    expect((await service.api('GET', '/settings')).body).toEqual({ emailErrorsNotifyAfter: 2, emailErrorsDisableAfter: 4 });
  });
});

describe('the email integration form', () => {
  it('validates across fields, keeps passwords write-only, and keeps exactly one default', async () => {
    const channelId = (await service.api('POST', '/channels', { name: `form-${Date.now()}` })).body.id;
    expectError(await service.api('POST', '/integrations', { type: 'email', name: 'x', channelId, imapHost: 'imap.example.com' }), 400, 'validation', /imapUser/);
    expectError(await service.api('POST', '/integrations', { type: 'email', name: 'x', channelId, smtpHost: 'smtp.example.com' }), 400, 'validation', /fromAddress/);
    expectError(await service.api('POST', '/integrations', { type: 'email', name: 'x', channelId, processedAction: 'move' }), 400, 'validation', /processedFolder/);
    expectError(await service.api('POST', '/integrations', { type: 'email', name: 'x', channelId, imapPort: 70000 }), 400, 'validation', /imapPort/);

    const first = await createSender('First sender');
    const second = await createSender('Second sender');
    expect((await integrationView(service, first)).isDefault).toBe(false);
    expect((await integrationView(service, second)).isDefault).toBe(true);

    const created = await service.api('POST', '/integrations', {
      type: 'email',
      name: 'With passwords',
      channelId,
      imapHost: 'imap.example.com',
      imapUser: 'u',
      imapPassword: 'imap-secret-value',
      smtpHost: 'smtp.example.com',
      smtpUser: 'u',
      smtpPassword: 'smtp-secret-value',
      fromAddress: 'a@example.com',
      enabled: false,
    });
    expect(created.status).toBe(201);
    const text = JSON.stringify(created.body) + JSON.stringify((await service.api('GET', '/integrations')).body);
    expect(text).not.toContain('imap-secret-value');
    expect(text).not.toContain('smtp-secret-value');
    expect(created.body).toMatchObject({ hasImapPassword: true, hasSmtpPassword: true, lastModifiedBy: 'admin' });
    // A PATCH without the password keeps it.
    const patched = await service.api('PATCH', `/integrations/${created.body.id}`, { description: 'edited' });
    expect(patched.body).toMatchObject({ hasImapPassword: true, description: 'edited' });
    const types = (await service.api('GET', '/integration-types')).body.items.map((type: any) => type.name);
    expect(types).toEqual(['feishu', 'email']);
  });
});

describe('mailbox health and thresholds', () => {
  it('server down: errors count up, admins are told at N, the integration is disabled at M, and an admin re-enables it', async () => {
    await createSender();
    const mailbox = newMailbox(dovecot);
    await dovecot.stop();
    const before = smtp.received.length;
    const { id, channelId } = await createEmailIntegration(service, dovecot, mailbox);
    const disabled = await eventually(() => integrationView(service, id), (view) => view.enabled === false, 30_000);
    expect(disabled.lastModifiedBy).toBe('system');
    expect(disabled.health).toMatchObject({ incomingErrors: 4, lastSuccessfulCheckAt: null });
    expect(disabled.health.lastIncomingError).toMatch(/cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    expect(disabled.health.lastCheckAt).not.toBeNull();
    expect(disabled.health.disabledAutomaticallyAt).not.toBeNull();
    const notices = await eventually(async () => smtp.received.slice(before), (mails) => mails.length >= 2);
    expect(notices.map((mail) => mail.subject)).toEqual(['[oncall] Email integration "Mailbox" is failing', '[oncall] Email integration "Mailbox" disabled']);
    for (const notice of notices) expect(notice.to).toEqual(['ada@example.com']);
    expect(notices[0].text).toContain('2 consecutive incoming errors');
    expect(notices[1].text).toContain('an admin must enable it again');
    // Disabled: no more checks, so the count stays.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await integrationView(service, id)).health.incomingErrors).toBe(4);

    await dovecot.start();
    await deliver(dovecot, mailbox, [plainMail('After the outage', 'recovered')]);
    const enabled = await service.api('PATCH', `/integrations/${id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, lastModifiedBy: 'admin' });
    expect(enabled.body.health).toMatchObject({ incomingErrors: 0, disabledAutomaticallyAt: null });
    await eventually(() => alertsOf(service, id), (alerts) => alerts.length === 1);
    const healthy = await eventually(() => integrationView(service, id), (view) => view.health.lastSuccessfulCheckAt !== null && view.health.lastIncomingAt !== null);
    expect(healthy.health.incomingErrors).toBe(0);
    expect((await service.api('GET', `/incidents?channelId=${channelId}`)).body.items).toHaveLength(1);
  }, 60_000);

  it('wrong password: a clear error naming the login, never the password (not in the API, not in the log)', async () => {
    const mailbox = newMailbox(dovecot);
    const { id } = await createEmailIntegration(service, dovecot, { ...mailbox, password: 'definitely-wrong-password' });
    const view = await eventually(() => integrationView(service, id), (shown) => shown.health.incomingErrors >= 1);
    expect(view.health.lastIncomingError).toMatch(new RegExp(`IMAP login refused for ${mailbox.user} on 127\\.0\\.0\\.1:\\d+`));
    expect(JSON.stringify(view)).not.toContain('definitely-wrong-password');
    expect(log.text).not.toContain('definitely-wrong-password');
    expect(log.text).not.toContain(mailbox.password);
    await service.api('PATCH', `/integrations/${id}`, { enabled: false });
  });

  it('a 10 MB mail and a malformed message become clear errors; the mail around them still becomes alerts', async () => {
    const mailbox = newMailbox(dovecot);
    const big = plainMail('Huge report', 'x'.repeat(10 * 1024 * 1024));
    const noHeaderEnd = 'Subject: broken\r\nContent-Type: multipart/mixed; boundary="zz"\r\n--zz\r\nContent-Type: text/plain';
    const unclosedMultipart = 'Subject: half a multipart\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\npart one, never closed\r\n';
    await deliver(dovecot, mailbox, [plainMail('Before', 'a'), big]);
    const { id } = await createEmailIntegration(service, dovecot, mailbox);
    const afterBig = await eventually(() => integrationView(service, id), (view) => view.health.lastIncomingError !== null && view.health.lastIncomingAt !== null);
    expect(afterBig.health.lastIncomingError).toMatch(/message UID 2: the message is 10\.0 MB, over the 5\.0 MB limit/);
    expect(afterBig.health.incomingErrors).toBe(0);
    await deliver(dovecot, mailbox, [noHeaderEnd, unclosedMultipart, plainMail('After', 'b')]);
    const alerts = await eventually(() => alertsOf(service, id), (list) => list.length === 3);
    // Messages of one round are written concurrently: compare as sets.
    expect(alerts.map((alert) => alert.title).sort()).toEqual(['After', 'Before', 'half a multipart']);
    expect(alerts.find((alert) => alert.title === 'half a multipart')!.description).toContain('part one, never closed');
    const view = await integrationView(service, id);
    expect(view.health.lastIncomingError).toMatch(/message UID 3: malformed message: no blank line ends its header/);
    expect(await folderStatus(dovecot, mailbox)).toEqual({ messages: 5, unseen: 0 });
    expect((await fetch(`${service.url}/healthz`)).status).toBeLessThan(500);
  }, 60_000);
});
