import { IntegrationEntity } from '../../src/db/entities/integration.entity.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createIntegration, expectError, expectValidation, HOOK_URL } from '../support/admin-helpers.js';
import { FEISHU_SUCCESS, FEISHU_TOKEN_INVALID } from '../support/feishu-helpers.js';
import { signedBody } from '../support/feishu-signing.js';
import { hookPath, startTestService, type TestService } from '../support/test-service.js';

const SECRET = 'types-test-signing-secret-value';

describe.each(DATABASE_KINDS)('integration types on %s', (kind) => {
  let service: TestService;
  let sre: any;
  beforeAll(async () => {
    service = await startTestService(kind, 'integration_types');
    sre = await createChannel(service, 'sre');
  });
  afterAll(async () => {
    await service.stop();
  });

  const names = async () => (await service.api('GET', '/integrations')).body.items.map((integration: any) => integration.name);

  describe('type on create', () => {
    it('is feishu when absent, and can be given', async () => {
      const implicit = await createIntegration(service, { name: 'implicit', channelId: sre.id });
      const explicit = await createIntegration(service, { name: 'explicit', type: 'feishu', channelId: sre.id });
      for (const created of [implicit, explicit]) {
        expect(created.type).toBe('feishu');
        expect(created.url).toMatch(HOOK_URL);
        expect((await service.post(hookPath(created.url), { msg_type: 'text', content: { text: 'typed' } })).body).toEqual(FEISHU_SUCCESS);
      }
    });

    it.each([
      ['an unknown type', 'sms', /^type: unknown integration type "sms"; known types: feishu, email$/],
      ['a type that is not a string', 7, /^type: unknown integration type 7; known types: feishu, email$/],
      ['a null type', null, /^type: unknown integration type null; known types: feishu, email$/],
    ])('%s → 400 naming the known types, nothing stored', async (_label, type, message) => {
      const answer = await service.api('POST', '/integrations', { name: `typed-${String(type)}`, type, channelId: sre.id });
      expectError(answer, 400, 'validation', message);
      expect(await names()).not.toContain(`typed-${String(type)}`);
    });
  });

  describe('type-specific settings are validated by the type’s schema', () => {
    it.each([
      ['an empty signing secret', { signingSecret: '' }, 'signingSecret'],
      ['a signing secret that is not a string', { signingSecret: 12345 }, 'signingSecret'],
      ['a signing secret over 255 characters', { signingSecret: 'x'.repeat(256) }, 'signingSecret'],
      ['a setting feishu does not have', { mailbox: 'alerts@example.com' }, 'mailbox'],
    ])('%s → 400 naming the field', async (_label, settings, field) => {
      expectValidation(await service.api('POST', '/integrations', { name: 'bad-settings', channelId: sre.id, ...settings }), field);
      expect(await names()).not.toContain('bad-settings');
    });

    it('a PATCH is validated by the same schema, and nothing changes when it fails', async () => {
      const original = await createIntegration(service, { name: 'patched-settings', channelId: sre.id, signingSecret: SECRET });
      expectValidation(await service.api('PATCH', `/integrations/${original.id}`, { signingSecret: '' }), 'signingSecret');
      expect((await service.api('GET', `/integrations/${original.id}`)).body).toEqual(original);
    });

    it('the type cannot be changed by a PATCH; an unknown one is named as such; the same type is accepted', async () => {
      const original = await createIntegration(service, { name: 'fixed-type', channelId: sre.id });
      expectError(await service.api('PATCH', `/integrations/${original.id}`, { type: 'sms' }), 400, 'validation', /unknown integration type "sms"; known types: feishu, email/);
      const same = await service.api('PATCH', `/integrations/${original.id}`, { type: 'feishu', name: 'fixed-type-2' });
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({ type: 'feishu', name: 'fixed-type-2', url: original.url });
    });
  });

  describe('secrets', () => {
    it('are stored in the type’s settings and enforced, never returned by any answer', async () => {
      const created = await createIntegration(service, { name: 'secret-keeper', channelId: sre.id, signingSecret: SECRET });
      const [row] = await service.db.manager.query('SELECT settings FROM integrations WHERE id = ?', [created.id]);
      expect(JSON.parse(row.settings)).toEqual({ signingSecret: SECRET });

      const answers = [
        await service.api('GET', '/integrations'),
        await service.api('GET', `/integrations/${created.id}`),
        await service.api('PATCH', `/integrations/${created.id}`, { keywords: ['disk'] }),
        await service.api('GET', '/integration-types'),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(JSON.stringify(answer.body)).not.toContain(SECRET);
      }
      expect(answers[2].body).toMatchObject({ hasSigningSecret: true, keywords: ['disk'] });
      expect(answers[2].body).not.toHaveProperty('settings');
      // Kept through the PATCH of another field: a message signed with it is accepted.
      const signed = signedBody({ msg_type: 'text', content: { text: 'disk full' } }, SECRET);
      expect((await service.post(hookPath(created.url), signed)).body).toEqual(FEISHU_SUCCESS);
    });

    it('an integration of a type this instance does not know shows no settings, and its key is refused by the Feishu URL', async () => {
      const now = new Date();
      const key = '0f0f0f0f-1111-4222-8333-444455556666';
      await service.db.manager.insert(IntegrationEntity, {
        name: 'from-the-future',
        type: 'sms',
        kind: 'dedicated',
        key,
        channelId: sre.id,
        routes: null,
        defaultChannelId: null,
        messageFormat: 'text',
        pushMode: 'always_new',
        pushRules: null,
        discardUnmatched: false,
        keywords: [],
        settings: { password: 'mailbox-password-value' },
        enabled: true,
        createdAt: now,
        updatedAt: now,
      });
      const list = await service.api('GET', '/integrations');
      const shown = list.body.items.find((integration: any) => integration.name === 'from-the-future');
      expect(shown).toMatchObject({ type: 'sms', enabled: true });
      expect(shown).not.toHaveProperty('settings');
      expect(shown).not.toHaveProperty('key');
      expect(JSON.stringify(list.body)).not.toContain('mailbox-password-value');
      expect(await service.post(`/open-apis/bot/v2/hook/${key}`, { msg_type: 'text', content: { text: 'not for feishu' } })).toEqual({ status: 200, body: FEISHU_TOKEN_INVALID });
    });
  });

  describe('GET /integration-types', () => {
    it('needs the admin token', async () => {
      const response = await fetch(`${service.url}/api/v1/integration-types`);
      expect(response.status).toBe(401);
    });

    it('describes each type: fields, how it receives, where its view says alerts go', async () => {
      const answer = await service.api('GET', '/integration-types');
      expect(answer).toEqual({
        status: 200,
        body: {
          defaultType: 'feishu',
          items: [
            {
              name: 'feishu',
              label: expect.any(String),
              description: expect.any(String),
              receives: { kind: 'http', paths: ['/open-apis/bot/v2/hook/{key}', '/open-apis/bot/hook/{key}'] },
              address: { field: 'url', label: 'Webhook URL', description: expect.any(String) },
              testPayload: true,
              fields: [{ name: 'signingSecret', type: 'string', nullable: true, required: false, secret: true, description: expect.stringContaining('19021') }],
            },
            expect.objectContaining({
              name: 'email',
              receives: { kind: 'poll' },
              address: { field: 'mailbox', label: 'Mailbox', description: expect.any(String) },
              testPayload: false,
              fields: expect.arrayContaining([
                expect.objectContaining({ name: 'imapPassword', secret: true }),
                expect.objectContaining({ name: 'smtpPassword', secret: true }),
                expect.objectContaining({ name: 'imapHost', secret: false }),
              ]),
            }),
          ],
        },
      });
    });

    it('is what the OpenAPI document and the integration view are built from', async () => {
      const [feishu] = (await service.api('GET', '/integration-types')).body.items;
      const document: any = await (await fetch(`${service.url}/api/v1/openapi.json`)).json();
      const [body] = document.paths['/integrations'].post.requestBody.content['application/json'].schema.oneOf;
      for (const field of feishu.fields) {
        expect(body.properties[field.name]).toMatchObject({ description: field.description, writeOnly: field.secret });
        expect((body.required ?? []).includes(field.name)).toBe(field.required);
      }
      const view = document.components.schemas.FeishuIntegration.allOf[1].properties;
      expect(Object.keys(view)).toEqual(expect.arrayContaining([feishu.address.field, 'hasSigningSecret']));
      const created = await createIntegration(service, { name: 'described', channelId: sre.id });
      expect(created).toHaveProperty(feishu.address.field);
      expect(created).toHaveProperty('hasSigningSecret', false);
    });
  });
});
