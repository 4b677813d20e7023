import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { AlertEntity } from '../../src/db/entities/alert.entity.js';
import type { DovecotServer } from './dovecot.js';
import { createChannel } from './feishu-helpers.js';
import type { TestService } from './test-service.js';

export interface Mailbox {
  user: string;
  password: string;
}

/** A new mailbox user on the test Dovecot. */
export function newMailbox(dovecot: DovecotServer): Mailbox {
  return dovecot.takeUser();
}

export function plainMail(subject: string, text: string, extraHeaders = ''): string {
  return `From: Monitor <monitor@example.com>\r\nTo: alerts@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${randomUUID()}@example.com>\r\n${extraHeaders}Content-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`;
}

export function htmlOnlyMail(subject: string, html: string): string {
  return `From: Monitor <monitor@example.com>\r\nTo: alerts@example.com\r\nSubject: ${subject}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`;
}

/** Runs `work` on an IMAP connection to the mailbox (as the monitoring tool's mail would arrive: by APPEND). */
export async function withImap<T>(dovecot: DovecotServer, mailbox: Mailbox, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: mailbox.user, pass: mailbox.password }, logger: false });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export async function deliver(dovecot: DovecotServer, mailbox: Mailbox, messages: string[], folder = 'INBOX'): Promise<void> {
  await withImap(dovecot, mailbox, async (client) => {
    for (const message of messages) await client.append(folder, message);
  });
}

export async function folderStatus(dovecot: DovecotServer, mailbox: Mailbox, folder = 'INBOX'): Promise<{ messages: number; unseen: number }> {
  return withImap(dovecot, mailbox, async (client) => {
    const status = await client.status(folder, { messages: true, unseen: true });
    if (!status) throw new Error(`no status for folder ${folder}`);
    return { messages: status.messages ?? 0, unseen: status.unseen ?? 0 };
  });
}

/** Creates an email integration reading `mailbox` into a new channel; returns its view and channel. */
export async function createEmailIntegration(
  service: TestService,
  dovecot: DovecotServer,
  mailbox: Mailbox,
  extra: Record<string, unknown> = {},
): Promise<{ id: number; channelId: number; view: any }> {
  const channelId = await createChannel(service);
  const answer = await service.api('POST', '/integrations', {
    type: 'email',
    name: 'Mailbox',
    channelId,
    imapHost: dovecot.host,
    imapPort: dovecot.port,
    imapTls: false,
    imapUser: mailbox.user,
    imapPassword: mailbox.password,
    pollSeconds: 1,
    ...extra,
  });
  if (answer.status !== 201) throw new Error(`email integration not created: ${JSON.stringify(answer.body)}`);
  return { id: answer.body.id, channelId, view: answer.body };
}

/** Creates the default email integration sending through the SMTP peer on `smtpPort` (no TLS); returns its id. */
export async function createSmtpSender(service: TestService, smtpPort: number, name = 'Oncall mail'): Promise<number> {
  const answer = await service.api('POST', '/integrations', {
    type: 'email',
    name,
    channelId: await createChannel(service),
    isDefault: true,
    smtpHost: '127.0.0.1',
    smtpPort,
    smtpSecurity: 'none',
    fromAddress: 'oncall@example.com',
  });
  if (answer.status !== 201) throw new Error(`email sender not created: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

/** Polls `read` until `done` holds of its value, or fails after `timeoutMs` with the last value. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/** The alerts of an integration, straight from the database. */
export async function alertsOf(service: Pick<TestService, 'db'>, integrationId: number) {
  return service.db.manager.find(AlertEntity, { where: { integrationId }, order: { id: 'ASC' } });
}

export async function integrationView(service: TestService, id: number): Promise<any> {
  const answer = await service.api('GET', `/integrations/${id}`);
  if (answer.status !== 200) throw new Error(`integration ${id}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** The create body of an email integration reading a mailbox server on 127.0.0.1:`imapPort` (no TLS), checked every second. */
export function localMailboxBody(name: string, channelId: number, imapPort: number, extra: Record<string, unknown> = {}) {
  return { type: 'email', name, channelId, imapHost: '127.0.0.1', imapPort, imapTls: false, imapUser: 'alerts', imapPassword: 'secret', pollSeconds: 1, ...extra };
}

/**
 * An email integration on a mailbox server that refuses the login (RefusingImap), switched off by the service after
 * its errors: the thresholds are lowered to 1 and 2 for it (the caller puts them back if it needs to).
 */
export async function mailboxDisabledAfterErrors(service: TestService, name: string, channelId: number, imapPort: number, extra: Record<string, unknown> = {}): Promise<number> {
  const lowered = await service.api('PATCH', '/settings', { emailErrorsNotifyAfter: 1, emailErrorsDisableAfter: 2 });
  if (lowered.status !== 200) throw new Error(`PATCH /settings: ${lowered.status} ${JSON.stringify(lowered.body)}`);
  const created = await service.api('POST', '/integrations', localMailboxBody(name, channelId, imapPort, extra));
  if (created.status !== 201) throw new Error(`POST /integrations: ${created.status} ${JSON.stringify(created.body)}`);
  await eventually(() => integrationView(service, created.body.id), (view) => view.enabled === false && Boolean(view.health.disabledAutomaticallyAt), 30_000);
  return created.body.id;
}
