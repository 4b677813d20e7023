import { createAdminRouter, type AdminDeps } from '../../src/http/admin/admin.routes.js';
import { createSourceRegistry } from '../../src/ingest/index.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { expectError } from '../support/admin-helpers.js';
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from '../support/test-service.js';

/** Every admin route as "METHOD /path{param}", read from the router itself, so a new route cannot go undocumented. */
function servedAdminRoutes(): string[] {
  const router = createAdminRouter({ adminToken: 'unused-token-0123456789', publicBaseUrl: 'http://oncall.test', sources: createSourceRegistry() } as AdminDeps);
  return router.stack
    .filter((layer) => layer.methods.length > 0)
    .flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method} ${String(layer.path).replace(/^\/api\/v1/, '').replace(/:(\w+)/g, '{$1}')}`),
    )
    .sort();
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function documentedRoutes(paths: Record<string, Record<string, unknown>>): string[] {
  return Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).filter((key) => HTTP_METHODS.includes(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe.each(DATABASE_KINDS)('admin API auth and OpenAPI on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'admin_auth');
  });
  afterAll(async () => {
    await service.stop();
  });

  const raw = async (method: string, path: string, headers: Record<string, string> = {}, body?: string) => {
    const response = await fetch(`${service.url}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  describe('authentication', () => {
    const protectedRoutes: Array<[string, string]> = [
      ['GET', '/api/v1/channels'],
      ['POST', '/api/v1/channels'],
      ['GET', '/api/v1/channels/1'],
      ['PATCH', '/api/v1/channels/1'],
      ['DELETE', '/api/v1/channels/1'],
      ['GET', '/api/v1/members'],
      ['POST', '/api/v1/members'],
      ['GET', '/api/v1/integrations'],
      ['POST', '/api/v1/integrations'],
      ['POST', '/api/v1/integrations/1/rotate-key'],
      ['GET', '/api/v1/incidents'],
      ['GET', '/api/v1/incidents/1'],
      ['POST', '/api/v1/incidents/1/acknowledge'],
      ['POST', '/api/v1/incidents/1/close'],
      ['POST', '/api/v1/incidents/1/reopen'],
    ];

    it.each(protectedRoutes)('%s %s without a token → 401 unauthorized', async (method, path) => {
      const answer = await raw(method, path, { 'content-type': 'application/json' }, method === 'GET' || method === 'DELETE' ? undefined : '{"name":"x"}');
      expectError(answer, 401, 'unauthorized');
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it.each([
      ['a wrong token', `Bearer ${TEST_ADMIN_TOKEN}x`],
      ['a prefix of the token', `Bearer ${TEST_ADMIN_TOKEN.slice(0, 10)}`],
      ['the token under another scheme', `Basic ${TEST_ADMIN_TOKEN}`],
      ['the bare token', TEST_ADMIN_TOKEN],
      ['an empty bearer', 'Bearer '],
    ])('%s → 401 unauthorized', async (_label, authorization) => {
      expectError(await raw('GET', '/api/v1/channels', { authorization }), 401, 'unauthorized', /bearer token/);
    });

    it('the right token is accepted, the scheme case-insensitively', async () => {
      expect((await raw('GET', '/api/v1/channels', { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(200);
      expect((await raw('GET', '/api/v1/channels', { authorization: `bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(200);
    });

    it('a refused write changes nothing', async () => {
      await raw('POST', '/api/v1/channels', { authorization: 'Bearer nope', 'content-type': 'application/json' }, '{"name":"sneaky"}');
      const list = await service.api('GET', '/channels');
      expect(list.body.items.map((channel: any) => channel.name)).not.toContain('sneaky');
    });
  });

  describe('/api/v1/openapi.json', () => {
    let document: any;
    beforeAll(async () => {
      const answer = await raw('GET', '/api/v1/openapi.json');
      expect(answer.status).toBe(200);
      document = answer.body;
    });

    it('is public and an OpenAPI 3.1 document with bearer security (or the console session cookie)', () => {
      expect(document.openapi).toMatch(/^3\.1\./);
      expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
      expect(document.servers).toEqual([{ url: 'http://oncall.test/api/v1' }]);
      expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
      expect(document.components.securitySchemes.consoleSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'oncall_console_session' });
      expect(document.security).toEqual([{ bearer: [] }, { consoleSession: [] }]);
    });

    it('documents the core admin routes', () => {
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining([
          '/channels',
          '/channels/{id}',
          '/members',
          '/members/{id}',
          '/integrations',
          '/integrations/{id}',
          '/integrations/{id}/rotate-key',
          '/integration-types',
          '/incidents',
          '/incidents/{id}',
          '/incidents/{id}/acknowledge',
          '/incidents/{id}/close',
          '/incidents/{id}/reopen',
        ]),
      );
    });

    it('documents exactly the method + path pairs the admin router serves', () => {
      const served = servedAdminRoutes();
      expect(served.length).toBeGreaterThanOrEqual(20);
      expect(documentedRoutes(document.paths)).toEqual(served);
    });

    it('every $ref points at a schema that exists', () => {
      const refs = JSON.stringify(document).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of new Set(refs)) {
        const name = ref.slice(ref.lastIndexOf('/') + 1, -1);
        expect(document.components.schemas).toHaveProperty([name]);
      }
    });

    it('the integration create body is one variant per type; the feishu one lists the real fields, with their enums', () => {
      const variants = document.paths['/integrations'].post.requestBody.content['application/json'].schema.oneOf;
      expect(variants.map((variant: any) => variant.properties.type.const)).toEqual(['feishu', 'email']);
      const schema = variants[0];
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties).sort()).toEqual(
        ['channelId', 'defaultChannelId', 'discardUnmatched', 'enabled', 'keywords', 'kind', 'messageFormat', 'name', 'pushMode', 'pushRules', 'routes', 'signingSecret', 'type'].sort(),
      );
      expect(schema.properties.type.default).toBe('feishu');
      expect(schema.properties.signingSecret.writeOnly).toBe(true);
      expect(schema.required).toEqual(['name']);
      expect(schema.additionalProperties).toBe(false);
      expect(schema.properties.pushMode.enum).toEqual(['always_new', 'by_title', 'by_rules']);
      expect(schema.properties.kind.enum).toEqual(['dedicated', 'shared']);
      expect(schema.properties.messageFormat.enum).toEqual(['text', 'markdown']);
      expect(JSON.stringify(schema.properties.pushRules)).toContain('"trigger"');
    });

    it('the channel and member bodies list their fields', () => {
      const channel = document.paths['/channels'].post.requestBody.content['application/json'].schema;
      expect(Object.keys(channel.properties).sort()).toEqual(['description', 'name', 'timeZone']);
      expect(channel.required).toEqual(['name']);
      const member = document.paths['/members'].post.requestBody.content['application/json'].schema;
      expect(Object.keys(member.properties).sort()).toEqual(['contactMethods', 'email', 'isAdmin', 'name', 'phone']);
      const memberPatch = document.paths['/members/{id}'].patch.requestBody.content['application/json'].schema;
      expect(memberPatch.required ?? []).toEqual([]);
    });

    it('the incident list documents its filters', () => {
      const names = document.paths['/incidents'].get.parameters.map((parameter: any) => parameter.name).sort();
      expect(names).toEqual(['before', 'channelId', 'limit', 'severity', 'since', 'status', 'until']);
    });
  });
});
