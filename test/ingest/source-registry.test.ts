/**
 * The registry with a second source type beside Feishu, as email will be: a type is picked by `type`, validated by its
 * own schema, shown by its own address field with its secrets hidden, described by its own fields.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { Integration } from '../../src/db/entities/integration.entity.js';
import { IntegrationInputs } from '../../src/http/admin/integration-input.js';
import { feishuWebhookSource } from '../../src/ingest/feishu-webhook/feishu-webhook.source.js';
import { SourceRegistry, type SourceType } from '../../src/ingest/index.js';
import { AppError } from '../../src/lib/errors.js';

/** A polled source with a required address and a secret password: the shape email's will have. */
const mailbox: SourceType = {
  name: 'mailbox',
  label: 'Mailbox',
  description: 'Alerts read from a mailbox',
  settings: z
    .object({
      address: z.email().describe('Where senders write'),
      password: z.string().min(1).meta({ writeOnly: true, description: 'Mailbox password' }),
      folder: z.string().default('INBOX').describe('Folder to read'),
    })
    .strict(),
  receiver: { kind: 'poll', start: () => Promise.resolve({ stop: () => Promise.resolve() }) },
  address: { field: 'address', label: 'Mailbox', description: 'The mailbox to send alerts to', of: (integration) => String(integration.settings.address) },
};

const registry = () => new SourceRegistry([feishuWebhookSource, mailbox], 'feishu');

function stored(input: ReturnType<IntegrationInputs['create']>, id = 1): Integration {
  const at = new Date('2026-01-01T00:00:00Z');
  return { ...input, id, key: '0f0f0f0f-1111-4222-8333-444455556666', modifiedBy: 'admin', createdAt: at, updatedAt: at };
}

function validationMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError && error.code === 'validation') return error.message;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('source registry with two types', () => {
  const inputs = new IntegrationInputs(registry());

  it('picks the schema by type and gathers the type’s settings under settings', () => {
    const mail = inputs.create({ type: 'mailbox', name: 'mail', channelId: 1, address: 'alerts@example.com', password: 'pw', keywords: ['disk'] });
    expect(mail).toMatchObject({ type: 'mailbox', name: 'mail', keywords: ['disk'], settings: { address: 'alerts@example.com', password: 'pw', folder: 'INBOX' } });
    expect(mail).not.toHaveProperty('address');
    expect(inputs.create({ name: 'hook', channelId: 1 })).toMatchObject({ type: 'feishu', settings: { signingSecret: null } });
  });

  it('validates each type by its own fields only', () => {
    expect(validationMessage(() => inputs.create({ type: 'mailbox', name: 'mail', channelId: 1, password: 'pw' }))).toMatch(/^address: /);
    expect(validationMessage(() => inputs.create({ type: 'mailbox', name: 'mail', channelId: 1, address: 'a@b.c', password: 'pw', signingSecret: 's' }))).toMatch(/signingSecret/);
    expect(validationMessage(() => inputs.create({ name: 'hook', channelId: 1, address: 'a@b.c' }))).toMatch(/address/);
    expect(validationMessage(() => inputs.create({ type: 'pager', name: 'x', channelId: 1 }))).toBe('type: unknown integration type "pager"; known types: feishu, mailbox');
  });

  it('keeps an integration’s type: a PATCH to another known type is refused, settings are merged', () => {
    const mail = stored(inputs.create({ type: 'mailbox', name: 'mail', channelId: 1, address: 'alerts@example.com', password: 'pw' }));
    expect(validationMessage(() => inputs.update(mail, { type: 'feishu' }))).toMatch(/^type: an integration keeps its type \(mailbox\)/);
    expect(inputs.update(mail, { folder: 'Alerts' })).toMatchObject({ settings: { address: 'alerts@example.com', password: 'pw', folder: 'Alerts' } });
  });

  it('shows secrets as has<Name>, other settings as they are, and the type’s address field', () => {
    const mail = stored(inputs.create({ type: 'mailbox', name: 'mail', channelId: 1, address: 'alerts@example.com', password: 'pw' }));
    expect(registry().shownSettings(mail, 'http://oncall.test')).toEqual({ address: 'alerts@example.com', hasPassword: true, folder: 'INBOX' });
    const hook = stored(inputs.create({ name: 'hook', channelId: 1 }));
    expect(registry().shownSettings(hook, 'http://oncall.test')).toEqual({ hasSigningSecret: false, url: 'http://oncall.test/open-apis/bot/v2/hook/0f0f0f0f-1111-4222-8333-444455556666' });
  });

  it('describes a polled type’s fields and mounts routes only for types that receive over HTTP', () => {
    const info = registry().info().find((type) => type.name === 'mailbox')!;
    expect(info).toEqual({
      name: 'mailbox',
      label: 'Mailbox',
      description: 'Alerts read from a mailbox',
      receives: { kind: 'poll' },
      address: { field: 'address', label: 'Mailbox', description: 'The mailbox to send alerts to' },
      // No reader of test payloads: the console offers none for it.
      testPayload: false,
      fields: [
        { name: 'address', type: 'string', nullable: false, required: true, secret: false, description: 'Where senders write' },
        { name: 'password', type: 'string', nullable: false, required: true, secret: true, description: 'Mailbox password' },
        { name: 'folder', type: 'string', nullable: false, required: false, secret: false, description: 'Folder to read', default: 'INBOX' },
      ],
    });
    const router = new Router();
    registry().mountRoutes(router, {} as never);
    expect(router.stack.map((layer) => layer.path)).toEqual(['/open-apis/bot/v2/hook/:key', '/open-apis/bot/hook/:key']);
  });

  it('refuses a type registered twice, an unregistered default, and a setting named like a shared field', () => {
    expect(() => new SourceRegistry([feishuWebhookSource, feishuWebhookSource], 'feishu')).toThrow(/registered twice/);
    expect(() => new SourceRegistry([mailbox], 'feishu')).toThrow(/default integration type feishu/);
    const clashing: SourceType = { ...mailbox, name: 'clash', settings: z.object({ keywords: z.string() }) };
    expect(() => new IntegrationInputs(new SourceRegistry([feishuWebhookSource, clashing], 'feishu'))).toThrow(/setting keywords has the name of a shared field/);
  });
});
