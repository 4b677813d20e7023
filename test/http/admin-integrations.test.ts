import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createIntegration, expectError, expectValidation, HOOK_URL, sendText } from '../support/admin-helpers.js';
import { hookPath, startTestService, type TestService } from '../support/test-service.js';

const SECRET = 'top-secret-signing-value';

describe.each(DATABASE_KINDS)('admin API integrations on %s', (kind) => {
  let service: TestService;
  let sre: any;
  let dba: any;
  beforeAll(async () => {
    service = await startTestService(kind, 'admin_integrations');
    sre = await createChannel(service, 'sre');
    dba = await createChannel(service, 'dba');
  });
  afterAll(async () => {
    await service.stop();
  });

  /** What a sender gets back from an integration URL (Feishu codes: 0 ok, 19001 unknown token). */
  const feishuCode = async (url: string) => (await service.post(hookPath(url), { msg_type: 'text', content: { text: 'ping' } })).body.code;

  describe('create', () => {
    it('a dedicated integration with defaults: URL under PUBLIC_BASE_URL, no secret shown', async () => {
      const created = await service.api('POST', '/integrations', { name: 'grafana', channelId: sre.id });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        name: 'grafana',
        type: 'feishu',
        kind: 'dedicated',
        channelId: sre.id,
        routes: null,
        defaultChannelId: null,
        messageFormat: 'text',
        pushMode: 'always_new',
        pushRules: null,
        discardUnmatched: false,
        keywords: [],
        enabled: true,
        url: expect.stringMatching(HOOK_URL),
        hasSigningSecret: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(created.body.url.startsWith('http://oncall.test/open-apis/bot/v2/hook/')).toBe(true);
      expect(await feishuCode(created.body.url)).toBe(0);
    });

    it('the key is 128-bit hex in UUID shape, different for every integration', async () => {
      const keys = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const integration = await createIntegration(service, { name: `keyed-${i}`, channelId: sre.id });
        const key = HOOK_URL.exec(integration.url)![1];
        expect(key.replace(/-/g, '')).toMatch(/^[0-9a-f]{32}$/);
        keys.add(key);
      }
      expect(keys.size).toBe(5);
    });

    it('a signing secret is kept but never shown: only hasSigningSecret', async () => {
      const created = await service.api('POST', '/integrations', { name: 'signed', channelId: sre.id, signingSecret: SECRET });
      expect(created.status).toBe(201);
      expect(created.body.hasSigningSecret).toBe(true);
      expect(created.body).not.toHaveProperty('signingSecret');
      expect(created.body).not.toHaveProperty('key');

      const answers = [
        created,
        await service.api('GET', `/integrations/${created.body.id}`),
        await service.api('GET', '/integrations'),
        await service.api('PATCH', `/integrations/${created.body.id}`, { name: 'signed-2' }),
        await service.api('POST', `/integrations/${created.body.id}/rotate-key`),
      ];
      for (const answer of answers) {
        expect(answer.status).toBeLessThan(300);
        expect(JSON.stringify(answer.body)).not.toContain(SECRET);
        expect(JSON.stringify(answer.body)).not.toContain('signingSecret"');
      }
      // The secret is really enforced: an unsigned message is refused with Feishu's sign-mismatch code.
      expect(await feishuCode(answers[4].body.url)).toBe(19021);
    });

    it('a shared integration: routes kept, channelId dropped', async () => {
      const created = await service.api('POST', '/integrations', {
        name: 'shared',
        kind: 'shared',
        defaultChannelId: sre.id,
        channelId: dba.id,
        routes: [{ conditions: [{ field: 'content', op: 'regex', value: '/mysql|mariadb/i' }], channelId: dba.id }],
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        kind: 'shared',
        channelId: null,
        defaultChannelId: sre.id,
        routes: [{ conditions: [{ field: 'content', op: 'regex', value: '/mysql|mariadb/i' }], channelId: dba.id }],
      });
    });

    it('a by_rules integration keeps its rules with defaults filled in', async () => {
      const created = await createIntegration(service, {
        name: 'ruled',
        channelId: sre.id,
        pushMode: 'by_rules',
        pushRules: [{ action: 'trigger', conditions: [{ value: 'FIRING' }], keyRegex: 'alert=(\\w+)', keyField: 'content' }, { action: 'close' }],
      });
      expect(created.pushRules).toEqual([
        { action: 'trigger', conditions: [{ field: 'any', op: 'contains', value: 'FIRING' }], keyField: 'content', keyRegex: 'alert=(\\w+)' },
        { action: 'close', conditions: [], keyField: 'title' },
      ]);
    });
  });

  describe('create validation', () => {
    it.each([
      ['name missing', () => ({ channelId: sre.id }), 'name'],
      ['dedicated without channelId', () => ({ name: 'x' }), 'channelId'],
      ['dedicated with channelId null', () => ({ name: 'x', kind: 'dedicated', channelId: null }), 'channelId'],
      ['shared without defaultChannelId', () => ({ name: 'x', kind: 'shared' }), 'defaultChannelId'],
      ['an unknown kind', () => ({ name: 'x', kind: 'mixed', channelId: sre.id }), 'kind'],
      ['an unknown pushMode', () => ({ name: 'x', channelId: sre.id, pushMode: 'sometimes' }), 'pushMode'],
      ['by_rules without rules', () => ({ name: 'x', channelId: sre.id, pushMode: 'by_rules' }), 'pushRules'],
      ['by_rules with only a close rule', () => ({ name: 'x', channelId: sre.id, pushMode: 'by_rules', pushRules: [{ action: 'close' }] }), 'pushRules'],
      [
        'an invalid regex in a push rule condition',
        () => ({ name: 'x', channelId: sre.id, pushMode: 'by_rules', pushRules: [{ action: 'trigger', conditions: [{ op: 'regex', value: '([a-z' }] }] }),
        /pushRules\.0\.conditions\.0\.value: is not a valid regular expression/,
      ],
      [
        'an invalid keyRegex',
        () => ({ name: 'x', channelId: sre.id, pushMode: 'by_rules', pushRules: [{ action: 'trigger', keyRegex: '*oops' }] }),
        /pushRules\.0\.keyRegex/,
      ],
      [
        'an invalid regex in a route condition',
        () => ({ name: 'x', kind: 'shared', defaultChannelId: sre.id, routes: [{ conditions: [{ op: 'regex', value: '/(/' }], channelId: dba.id }] }),
        /routes\.0\.conditions\.0\.value/,
      ],
      ['a route without conditions', () => ({ name: 'x', kind: 'shared', defaultChannelId: sre.id, routes: [{ conditions: [], channelId: dba.id }] }), 'routes.0.conditions'],
      ['a channelId that is not an integer', () => ({ name: 'x', channelId: 'sre' }), 'channelId'],
      ['an empty signing secret', () => ({ name: 'x', channelId: sre.id, signingSecret: '' }), 'signingSecret'],
      ['too many keywords', () => ({ name: 'x', channelId: sre.id, keywords: Array.from({ length: 11 }, (_, i) => `k${i}`) }), 'keywords'],
      ['an unknown extra field', () => ({ name: 'x', channelId: sre.id, severity: 'critical' }), 'severity'],
      ['a misspelt push rule field', () => ({ name: 'x', channelId: sre.id, pushMode: 'by_rules', pushRules: [{ action: 'trigger', key_regex: '(.*)' }] }), 'key_regex'],
      ['a misspelt condition field', () => ({ name: 'x', channelId: sre.id, pushMode: 'by_rules', pushRules: [{ action: 'trigger', conditions: [{ value: 'a', operator: 'regex' }] }] }), 'operator'],
      ['a misspelt route field', () => ({ name: 'x', kind: 'shared', defaultChannelId: sre.id, routes: [{ conditions: [{ value: 'a' }], channel: dba.id, channelId: dba.id }] }), 'channel'],
      ['a key chosen by the caller', () => ({ name: 'x', channelId: sre.id, key: '00000000-0000-0000-0000-000000000000' }), 'key'],
    ])('%s → 400 naming the field', async (_label, body, field) => {
      const answer = await service.api('POST', '/integrations', body());
      if (typeof field === 'string') expectValidation(answer, field);
      else expectError(answer, 400, 'validation', field);
    });

    it('a channel that does not exist → 400 naming the field', async () => {
      expectError(await service.api('POST', '/integrations', { name: 'x', channelId: 987654 }), 400, 'validation', /channelId: channel 987654 does not exist/);
      expectError(await service.api('POST', '/integrations', { name: 'x', kind: 'shared', defaultChannelId: 987654 }), 400, 'validation', /defaultChannelId/);
      expectError(
        await service.api('POST', '/integrations', { name: 'x', kind: 'shared', defaultChannelId: sre.id, routes: [{ conditions: [{ value: 'a' }], channelId: 987654 }] }),
        400,
        'validation',
        /routes\[0\]\.channelId/,
      );
    });

    it('nothing is stored by rejected creates', async () => {
      const list = await service.api('GET', '/integrations');
      expect(list.body.items.map((integration: any) => integration.name)).not.toContain('x');
    });
  });

  describe('list, get, unknown ids', () => {
    it('lists integrations in creation order, as their views', async () => {
      const a = await createIntegration(service, { name: 'list-a', channelId: sre.id });
      const b = await createIntegration(service, { name: 'list-b', channelId: dba.id, signingSecret: SECRET });
      const list = await service.api('GET', '/integrations');
      expect(list.status).toBe(200);
      const ids = list.body.items.map((integration: any) => integration.id);
      expect(ids).toEqual([...ids].sort((x: number, y: number) => x - y));
      expect(list.body.items).toEqual(expect.arrayContaining([a, b]));
      for (const item of list.body.items) {
        expect(item.url).toMatch(HOOK_URL);
        expect(item).not.toHaveProperty('signingSecret');
        expect(item).not.toHaveProperty('key');
      }
      expect(await service.api('GET', `/integrations/${b.id}`)).toEqual({ status: 200, body: b });
    });

    it.each([
      ['GET', '/integrations/31337', undefined],
      ['PATCH', '/integrations/31337', { name: 'x' }],
      ['DELETE', '/integrations/31337', undefined],
      ['POST', '/integrations/31337/rotate-key', undefined],
    ])('%s %s → 404', async (method, path, body) => {
      expectError(await service.api(method, path, body), 404, 'not_found', '31337');
    });

    it('a malformed id → 400', async () => {
      expectValidation(await service.api('GET', '/integrations/x1'), 'id');
    });
  });

  describe('patch', () => {
    it('merges onto the stored integration: changing pushMode keeps name, channel, secret and URL', async () => {
      const original = await createIntegration(service, { name: 'merge-me', channelId: sre.id, signingSecret: SECRET, keywords: ['alert'] });
      const patched = await service.api('PATCH', `/integrations/${original.id}`, { pushMode: 'by_title' });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({ ...original, pushMode: 'by_title', updatedAt: expect.any(String) });
      expect(await service.api('GET', `/integrations/${original.id}`)).toEqual({ status: 200, body: patched.body });
    });

    it('can clear the signing secret and move to another channel', async () => {
      const original = await createIntegration(service, { name: 'mover', channelId: sre.id, signingSecret: SECRET });
      const patched = await service.api('PATCH', `/integrations/${original.id}`, { signingSecret: null, channelId: dba.id });
      expect(patched.body).toMatchObject({ name: 'mover', channelId: dba.id, hasSigningSecret: false, url: original.url });
      expect(await feishuCode(original.url)).toBe(0);
    });

    it('can switch a dedicated integration to shared, which drops channelId', async () => {
      const original = await createIntegration(service, { name: 'to-shared', channelId: sre.id });
      const patched = await service.api('PATCH', `/integrations/${original.id}`, { kind: 'shared', defaultChannelId: dba.id });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ kind: 'shared', channelId: null, defaultChannelId: dba.id, routes: [] });
    });

    it('can disable an integration: its URL then answers Feishu’s invalid-token code', async () => {
      const original = await createIntegration(service, { name: 'switch', channelId: sre.id });
      expect((await service.api('PATCH', `/integrations/${original.id}`, { enabled: false })).body.enabled).toBe(false);
      expect(await feishuCode(original.url)).toBe(19001);
      expect((await service.api('PATCH', `/integrations/${original.id}`, { enabled: true })).body.enabled).toBe(true);
      expect(await feishuCode(original.url)).toBe(0);
    });

    it.each([
      ['by_rules without rules (validated whole)', { pushMode: 'by_rules' }, 'pushRules'],
      ['shared without a default channel', { kind: 'shared' }, 'defaultChannelId'],
      ['a blank name', { name: '' }, 'name'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['the view’s url sent back', { url: 'http://oncall.test/open-apis/bot/v2/hook/x' }, 'url'],
      ['an invalid regex', { pushRules: [{ action: 'trigger', conditions: [{ op: 'regex', value: '[' }] }] }, 'pushRules.0.conditions.0.value'],
    ])('with %s → 400 and nothing changes', async (_label, body, field) => {
      const original = await createIntegration(service, { name: `bad-patch-${field}`, channelId: sre.id });
      expectValidation(await service.api('PATCH', `/integrations/${original.id}`, body), field);
      expect((await service.api('GET', `/integrations/${original.id}`)).body).toEqual(original);
    });

    it('to a channel that does not exist → 400', async () => {
      const original = await createIntegration(service, { name: 'bad-channel', channelId: sre.id });
      expectError(await service.api('PATCH', `/integrations/${original.id}`, { channelId: 555555 }), 400, 'validation', /channelId: channel 555555/);
      expect((await service.api('GET', `/integrations/${original.id}`)).body.channelId).toBe(sre.id);
    });

    it('a body that is not an object → 400', async () => {
      const original = await createIntegration(service, { name: 'array-patch', channelId: sre.id });
      expectError(await service.api('PATCH', `/integrations/${original.id}`, ['name']), 400, 'validation');
    });
  });

  describe('rotate-key', () => {
    it('gives a new URL; the old one stops working, the new one works', async () => {
      const original = await createIntegration(service, { name: 'leaky', channelId: sre.id });
      const rotated = await service.api('POST', `/integrations/${original.id}/rotate-key`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.url).toMatch(HOOK_URL);
      expect(rotated.body.url).not.toBe(original.url);
      expect(rotated.body).toMatchObject({ id: original.id, name: 'leaky', channelId: sre.id });
      expect(await feishuCode(original.url)).toBe(19001);
      expect(await feishuCode(rotated.body.url)).toBe(0);
      expect((await service.api('GET', `/integrations/${original.id}`)).body.url).toBe(rotated.body.url);
    });
  });

  describe('delete', () => {
    it('deletes an integration; its URL stops working; then 404', async () => {
      const integration = await createIntegration(service, { name: 'retired', channelId: sre.id });
      await sendText(service, integration.url, 'last words');
      expect(await service.api('DELETE', `/integrations/${integration.id}`)).toEqual({ status: 204, body: undefined });
      expectError(await service.api('GET', `/integrations/${integration.id}`), 404, 'not_found');
      expectError(await service.api('DELETE', `/integrations/${integration.id}`), 404, 'not_found');
      expect(await feishuCode(integration.url)).toBe(19001);
    });
  });
});
