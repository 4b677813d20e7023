import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createIntegration, expectError, expectValidation, sendText } from '../support/admin-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('admin API channels on %s', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService(kind, 'admin_channels');
  });
  afterAll(async () => {
    await service.stop();
  });

  describe('create, list, get', () => {
    it('creates a channel with defaults and shows it', async () => {
      const created = await service.api('POST', '/channels', { name: 'payments' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        name: 'payments',
        description: '',
        timeZone: 'UTC',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);

      const fetched = await service.api('GET', `/channels/${created.body.id}`);
      expect(fetched).toEqual({ status: 200, body: created.body });
    });

    it('keeps the given description and time zone, trimming the name', async () => {
      const channel = await createChannel(service, '  search  ', { description: 'Search team', timeZone: 'Asia/Shanghai' });
      expect(channel).toMatchObject({ name: 'search', description: 'Search team', timeZone: 'Asia/Shanghai' });
    });

    it('lists channels in creation order', async () => {
      const a = await createChannel(service, 'list-a');
      const b = await createChannel(service, 'list-b');
      const list = await service.api('GET', '/channels');
      expect(list.status).toBe(200);
      const ids = list.body.items.map((channel: any) => channel.id);
      expect(ids).toEqual([...ids].sort((x: number, y: number) => x - y));
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      expect(list.body.items.find((channel: any) => channel.id === b.id)).toEqual(b);
    });
  });

  describe('validation', () => {
    it.each([
      ['name missing', {}, 'name'],
      ['name blank', { name: '   ' }, 'name'],
      ['name not a string', { name: 42 }, 'name'],
      ['name too long', { name: 'x'.repeat(101) }, 'name'],
      ['description too long', { name: 'd', description: 'x'.repeat(501) }, 'description'],
      ['an unknown time zone', { name: 'tz', timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      ['a time zone that is not a string', { name: 'tz', timeZone: 8 }, 'timeZone'],
      ['an unknown field', { name: 'typo', timezone: 'Asia/Shanghai' }, 'timezone'],
    ])('POST with %s → 400 naming the field', async (_label, body, field) => {
      expectValidation(await service.api('POST', '/channels', body), field);
    });

    it('a body that is not JSON → 400', async () => {
      const answer = await fetch(`${service.url}/api/v1/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
        body: '{"name":',
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: { code: 'validation', message: 'body: not valid JSON' } });
    });

    it('a body nested deeper than 64 levels → 400 saying so, before anything walks it', async () => {
      const deep = `{"name":"deep","description":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      const answer = await fetch(`${service.url}/api/v1/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
        body: deep,
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: { code: 'validation', message: 'body: nested deeper than 64 levels' } });
    });

    it('a JSON array body → 400', async () => {
      expectError(await service.api('POST', '/channels', ['name']), 400, 'validation');
    });

    it('nothing is stored by a rejected create', async () => {
      const list = await service.api('GET', '/channels');
      expect(list.body.items.map((channel: any) => channel.name)).not.toContain('typo');
    });

    it('a path id that is not a positive integer → 400 naming id', async () => {
      expectValidation(await service.api('GET', '/channels/abc'), 'id');
      expectValidation(await service.api('GET', '/channels/0'), 'id');
      expectValidation(await service.api('DELETE', '/channels/-3'), 'id');
    });
  });

  describe('unknown ids', () => {
    it.each([
      ['GET', undefined],
      ['PATCH', { description: 'x' }],
      ['DELETE', undefined],
    ])('%s of an unknown channel → 404', async (method, body) => {
      expectError(await service.api(method, '/channels/999999', body), 404, 'not_found', '999999');
    });
  });

  describe('uniqueness', () => {
    it('a second channel with the same name → 409', async () => {
      await createChannel(service, 'dup');
      expectError(await service.api('POST', '/channels', { name: 'dup' }), 409, 'conflict', 'dup');
      expectError(await service.api('POST', '/channels', { name: ' dup ' }), 409, 'conflict');
      // Regardless of case, on SQLite as on MariaDB.
      expectError(await service.api('POST', '/channels', { name: 'DUP' }), 409, 'conflict', 'DUP');
    });

    it('renaming onto another channel’s name → 409; keeping one’s own name is fine', async () => {
      await createChannel(service, 'rename-taken');
      const channel = await createChannel(service, 'rename-me');
      expectError(await service.api('PATCH', `/channels/${channel.id}`, { name: 'rename-taken' }), 409, 'conflict');
      expect((await service.api('PATCH', `/channels/${channel.id}`, { name: 'rename-me' })).status).toBe(200);
      expect((await service.api('GET', `/channels/${channel.id}`)).body.name).toBe('rename-me');
    });
  });

  describe('patch', () => {
    it('changes only the given fields', async () => {
      const channel = await createChannel(service, 'patch-me', { description: 'kept', timeZone: 'Europe/Berlin' });
      const renamed = await service.api('PATCH', `/channels/${channel.id}`, { name: 'patched' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id: channel.id, name: 'patched', description: 'kept', timeZone: 'Europe/Berlin' });

      const rezoned = await service.api('PATCH', `/channels/${channel.id}`, { timeZone: 'America/New_York' });
      expect(rezoned.body).toMatchObject({ name: 'patched', description: 'kept', timeZone: 'America/New_York' });

      expect((await service.api('GET', `/channels/${channel.id}`)).body).toEqual(rezoned.body);
      expect(new Date(rezoned.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(channel.updatedAt).getTime());
      expect(rezoned.body.createdAt).toBe(channel.createdAt);
    });

    it.each([
      ['a blank name', { name: '' }, 'name'],
      ['a bad time zone', { timeZone: 'Nowhere/Else' }, 'timeZone'],
      ['an unknown field', { owner: 'me' }, 'owner'],
      ['an id', { id: 5 }, 'id'],
    ])('with %s → 400 and nothing changes', async (_label, body, field) => {
      const channel = await createChannel(service, `bad-patch-${field}`);
      expectValidation(await service.api('PATCH', `/channels/${channel.id}`, body), field);
      expect((await service.api('GET', `/channels/${channel.id}`)).body).toEqual(channel);
    });
  });

  describe('delete', () => {
    it('deletes an unused channel', async () => {
      const channel = await createChannel(service, 'doomed');
      const answer = await service.api('DELETE', `/channels/${channel.id}`);
      expect(answer).toEqual({ status: 204, body: undefined });
      expectError(await service.api('GET', `/channels/${channel.id}`), 404, 'not_found');
      expectError(await service.api('DELETE', `/channels/${channel.id}`), 404, 'not_found');
      // The name is free again.
      await createChannel(service, 'doomed');
    });

    it('a channel a dedicated integration sends to → 409', async () => {
      const channel = await createChannel(service, 'in-use-dedicated');
      const integration = await createIntegration(service, { name: 'grafana', channelId: channel.id });
      expectError(await service.api('DELETE', `/channels/${channel.id}`), 409, 'conflict', String(channel.id));
      expect((await service.api('GET', `/channels/${channel.id}`)).status).toBe(200);

      // Once the integration is gone (and it made no incidents), the channel can go.
      expect((await service.api('DELETE', `/integrations/${integration.id}`)).status).toBe(204);
      expect((await service.api('DELETE', `/channels/${channel.id}`)).status).toBe(204);
    });

    it('the default channel of a shared integration → 409', async () => {
      const channel = await createChannel(service, 'in-use-default');
      await createIntegration(service, { name: 'shared-default', kind: 'shared', defaultChannelId: channel.id });
      expectError(await service.api('DELETE', `/channels/${channel.id}`), 409, 'conflict');
    });

    it('a channel only a shared integration’s route sends to → 409', async () => {
      const fallback = await createChannel(service, 'route-fallback');
      const routed = await createChannel(service, 'route-target');
      const integration = await createIntegration(service, {
        name: 'shared-routes',
        kind: 'shared',
        defaultChannelId: fallback.id,
        routes: [{ conditions: [{ value: 'db' }], channelId: routed.id }],
      });
      expectError(await service.api('DELETE', `/channels/${routed.id}`), 409, 'conflict');

      // The route still works: a matching message lands in the routed channel.
      await sendText(service, integration.url, 'db is down');
      const incidents = await service.api('GET', `/incidents?channelId=${routed.id}`);
      expect(incidents.body.items).toHaveLength(1);
    });

    it('a channel with incidents → 409, even after its integration is gone', async () => {
      const channel = await createChannel(service, 'has-incidents');
      const integration = await createIntegration(service, { name: 'one-shot', channelId: channel.id });
      await sendText(service, integration.url, 'disk full');
      expect((await service.api('DELETE', `/integrations/${integration.id}`)).status).toBe(204);
      expectError(await service.api('DELETE', `/channels/${channel.id}`), 409, 'conflict', 'incidents');
    });
  });
});
