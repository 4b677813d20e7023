/**
 * The escalation-rule admin API over HTTP, on SQLite and MariaDB: a channel's ordered rules (the first matching one
 * applies), created, listed, read, replaced and deleted; validation errors name the offending field; unknown ids 404.
 */
import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createMember, expectError, expectValidation } from '../support/admin-helpers.js';
import { waitFor } from '../support/feishu-app-helpers.js';
import { createIntegration, incidentsOfChannel, postMessage } from '../support/feishu-helpers.js';
import { BACKREFERENCE_PATTERN, CATASTROPHIC_PATTERN, HOSTILE_TITLE, LOOKAHEAD_PATTERN, whileHealthAnswers } from '../support/hostile-regex.js';
import { startTestService, type TestService } from '../support/test-service.js';

describe.each(DATABASE_KINDS)('escalation rules API on %s', (kind) => {
  let service: TestService;
  let alice: { id: number };
  let bob: { id: number };
  let counter = 0;
  const channelName = () => `esc-api-${++counter}`;

  beforeAll(async () => {
    service = await startTestService(kind, 'escalation_rules_api');
    alice = await createMember(service, 'Alice');
    bob = await createMember(service, 'Bob');
  });
  afterAll(async () => {
    await service?.stop();
  });

  const rulesPath = (channelId: number) => `/channels/${channelId}/escalation-rules`;
  const level = (memberIds: number[], extra: Record<string, unknown> = {}) => ({ memberIds, waitMinutes: 5, ...extra });
  const minimal = (name = 'page the on-call') => ({ name, levels: [level([alice.id])] });

  async function createRule(channelId: number, body: Record<string, unknown>): Promise<any> {
    const answer = await service.api('POST', rulesPath(channelId), body);
    expect(answer.status).toBe(201);
    return answer.body;
  }

  async function listRules(channelId: number): Promise<any[]> {
    const answer = await service.api('GET', rulesPath(channelId));
    expect(answer.status).toBe(200);
    return answer.body.items;
  }

  const order = (rules: any[]) => rules.map((rule) => [rule.name, rule.position]);

  describe('create, list, get', () => {
    it('creates a rule with defaults and shows it the same way through GET and the list', async () => {
      const channel = await createChannel(service, channelName());
      const created = await service.api('POST', rulesPath(channel.id), { name: '  business hours  ', levels: [{ memberIds: [alice.id], waitMinutes: 0.03 }] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        channelId: channel.id,
        name: 'business hours',
        position: 0,
        enabled: true,
        filters: {},
        levels: [{ memberIds: [alice.id], notifyGroupChats: true, notifyDirect: true, waitMinutes: 0.03 }],
        repeat: 0,
        stopOn: 'acknowledged',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(await service.api('GET', `/escalation-rules/${created.body.id}`)).toEqual({ status: 200, body: created.body });
      expect(await listRules(channel.id)).toEqual([created.body]);
    });

    it('keeps every field given: filters, several levels, repeat, stopOn, disabled', async () => {
      const channel = await createChannel(service, channelName());
      const body = {
        name: 'nights, databases',
        enabled: false,
        filters: {
          severities: ['critical', 'warning'],
          conditions: [
            { field: 'title', op: 'contains', value: 'db' },
            { field: 'any', op: 'regex', value: '^(primary|replica) down$' },
          ],
          timeWindow: { weekdays: [1, 2, 3, 4, 5], start: '22:00', end: '06:00' },
        },
        levels: [
          { memberIds: [alice.id], notifyGroupChats: true, notifyDirect: false, waitMinutes: 2.5 },
          { memberIds: [bob.id, alice.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 1440 },
        ],
        repeat: 5,
        stopOn: 'closed',
      };
      const created = await createRule(channel.id, body);
      expect(created).toMatchObject({ ...body, position: 0, channelId: channel.id });
      expect((await service.api('GET', `/escalation-rules/${created.id}`)).body).toEqual(created);
    });

    it("lists a channel's rules by position: new ones go last unless a position is given; other channels are separate", async () => {
      const channel = await createChannel(service, channelName());
      const other = await createChannel(service, channelName());
      const first = await createRule(channel.id, minimal('first'));
      const second = await createRule(channel.id, minimal('second'));
      await createRule(other.id, minimal('elsewhere'));
      const third = await createRule(channel.id, minimal('third'));
      expect([first.position, second.position, third.position]).toEqual([0, 1, 2]);

      const front = await createRule(channel.id, { ...minimal('front'), position: 0 });
      expect(front.position).toBe(0);
      const middle = await createRule(channel.id, { ...minimal('middle'), position: 2 });
      expect(middle.position).toBe(2);
      // Past the end means last.
      const last = await createRule(channel.id, { ...minimal('last'), position: 99 });
      expect(last.position).toBe(5);

      expect(order(await listRules(channel.id))).toEqual([
        ['front', 0],
        ['first', 1],
        ['middle', 2],
        ['second', 3],
        ['third', 4],
        ['last', 5],
      ]);
      expect(order(await listRules(other.id))).toEqual([['elsewhere', 0]]);
    });

    it('rules created at the same time still get distinct positions 0…n-1', async () => {
      const channel = await createChannel(service, channelName());
      const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      await Promise.all(names.map((name) => createRule(channel.id, minimal(name))));
      const listed = await listRules(channel.id);
      expect(listed.map((rule) => rule.position)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(listed.map((rule) => rule.name).sort()).toEqual(names);
    });

    it('an empty channel lists no rules', async () => {
      const channel = await createChannel(service, channelName());
      expect(await service.api('GET', rulesPath(channel.id))).toEqual({ status: 200, body: { items: [] } });
    });
  });

  describe('replace and delete', () => {
    it('PUT replaces the whole rule (omitted fields take their defaults) and keeps id, channel and creation time', async () => {
      const channel = await createChannel(service, channelName());
      const created = await createRule(channel.id, {
        name: 'before',
        filters: { severities: ['critical'] },
        levels: [level([alice.id]), level([bob.id])],
        repeat: 3,
        stopOn: 'closed',
      });
      const replaced = await service.api('PUT', `/escalation-rules/${created.id}`, { name: 'after', levels: [{ memberIds: [bob.id], waitMinutes: 0.5, notifyDirect: false }] });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toEqual({
        id: created.id,
        channelId: channel.id,
        name: 'after',
        position: 0,
        enabled: true,
        filters: {},
        levels: [{ memberIds: [bob.id], notifyGroupChats: true, notifyDirect: false, waitMinutes: 0.5 }],
        repeat: 0,
        stopOn: 'acknowledged',
        createdAt: created.createdAt,
        updatedAt: expect.any(String),
      });
      expect(new Date(replaced.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.updatedAt).getTime());
      expect((await service.api('GET', `/escalation-rules/${created.id}`)).body).toEqual(replaced.body);
    });

    it('PUT with a position moves the rule; DELETE closes the gap', async () => {
      const channel = await createChannel(service, channelName());
      const rules: any[] = [];
      for (const name of ['a', 'b', 'c', 'd']) rules.push(await createRule(channel.id, minimal(name)));

      const moved = await service.api('PUT', `/escalation-rules/${rules[3].id}`, { ...minimal('d'), position: 1 });
      expect(moved.status).toBe(200);
      expect(moved.body.position).toBe(1);
      expect(order(await listRules(channel.id))).toEqual([['a', 0], ['d', 1], ['b', 2], ['c', 3]]);

      // Without a position, a PUT leaves the rule where it is.
      await service.api('PUT', `/escalation-rules/${rules[1].id}`, minimal('b2'));
      expect(order(await listRules(channel.id))).toEqual([['a', 0], ['d', 1], ['b2', 2], ['c', 3]]);

      const deleted = await service.api('DELETE', `/escalation-rules/${rules[3].id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect(order(await listRules(channel.id))).toEqual([['a', 0], ['b2', 1], ['c', 2]]);
      expectError(await service.api('GET', `/escalation-rules/${rules[3].id}`), 404, 'not_found', String(rules[3].id));
      expectError(await service.api('DELETE', `/escalation-rules/${rules[3].id}`), 404, 'not_found');
      expectError(await service.api('PUT', `/escalation-rules/${rules[3].id}`, minimal()), 404, 'not_found');
    });
  });

  describe('validation', () => {
    const base = () => ({ name: 'r', levels: [level([alice.id])] });
    const withLevel = (extra: Record<string, unknown>) => ({ name: 'r', levels: [{ ...level([alice.id]), ...extra }] });
    const withWindow = (window: Record<string, unknown>) => ({ ...base(), filters: { timeWindow: { weekdays: [1], start: '09:00', end: '18:00', ...window } } });
    const cases: Array<[string, () => Record<string, unknown>, string]> = [
      ['waitMinutes 0', () => withLevel({ waitMinutes: 0 }), 'levels.0.waitMinutes'],
      ['waitMinutes negative', () => withLevel({ waitMinutes: -1 }), 'levels.0.waitMinutes'],
      ['waitMinutes over a day', () => withLevel({ waitMinutes: 1441 }), 'levels.0.waitMinutes'],
      ['waitMinutes missing', () => ({ name: 'r', levels: [{ memberIds: [alice.id] }] }), 'levels.0.waitMinutes'],
      ['waitMinutes as a string', () => withLevel({ waitMinutes: '5' }), 'levels.0.waitMinutes'],
      ['repeat 6', () => ({ ...base(), repeat: 6 }), 'repeat'],
      ['repeat negative', () => ({ ...base(), repeat: -1 }), 'repeat'],
      ['repeat fractional', () => ({ ...base(), repeat: 1.5 }), 'repeat'],
      ['start 24:00', () => withWindow({ start: '24:00' }), 'filters.timeWindow.start'],
      ['start 9:00 (not HH:MM)', () => withWindow({ start: '9:00' }), 'filters.timeWindow.start'],
      ['end 18:60', () => withWindow({ end: '18:60' }), 'filters.timeWindow.end'],
      ['end equal to start', () => withWindow({ end: '09:00' }), 'filters.timeWindow.end'],
      ['weekday 7', () => withWindow({ weekdays: [7] }), 'filters.timeWindow.weekdays.0'],
      ['no weekdays', () => withWindow({ weekdays: [] }), 'filters.timeWindow.weekdays'],
      ['empty levels', () => ({ name: 'r', levels: [] }), 'levels'],
      ['levels missing', () => ({ name: 'r' }), 'levels'],
      ['eleven levels', () => ({ name: 'r', levels: Array.from({ length: 11 }, () => level([alice.id])) }), 'levels'],
      ['a level without members', () => withLevel({ memberIds: [] }), 'levels.0.memberIds'],
      ['a member id that is not a positive integer', () => withLevel({ memberIds: [0] }), 'levels.0.memberIds.0'],
      ['a level that reaches nobody', () => withLevel({ notifyGroupChats: false, notifyDirect: false }), 'levels.0.notifyDirect'],
      ['an unknown severity', () => ({ ...base(), filters: { severities: ['fatal'] } }), 'filters.severities.0'],
      ['an invalid regex condition', () => ({ ...base(), filters: { conditions: [{ op: 'regex', value: '([' }] } }), 'filters.conditions.0.value'],
      ['an unknown stopOn', () => ({ ...base(), stopOn: 'resolved' }), 'stopOn'],
      ['a blank name', () => ({ ...base(), name: '   ' }), 'name'],
      ['a negative position', () => ({ ...base(), position: -1 }), 'position'],
      ['an unknown field', () => ({ ...base(), colour: 'red' }), 'colour'],
      ['an unknown field in a level', () => withLevel({ delayMinutes: 5 }), 'delayMinutes'],
      ['an unknown filter', () => ({ ...base(), filters: { priority: 'high' } }), 'priority'],
      ['an unknown field in the time window', () => withWindow({ zone: 'UTC' }), 'zone'],
    ];

    it.each(cases)('POST with %s → 400 naming the field, nothing created', async (_label, body, field) => {
      const channel = await createChannel(service, channelName());
      expectValidation(await service.api('POST', rulesPath(channel.id), body()), field);
      expect(await listRules(channel.id)).toEqual([]);
    });

    it('an unknown field in a level is reported at that level', async () => {
      const channel = await createChannel(service, channelName());
      expectValidation(await service.api('POST', rulesPath(channel.id), withLevel({ delayMinutes: 5 })), 'levels.0');
    });

    it('an unknown member id in a level → 400 naming levels and the id, nothing created', async () => {
      const channel = await createChannel(service, channelName());
      const answer = await service.api('POST', rulesPath(channel.id), { name: 'r', levels: [level([alice.id]), level([bob.id, 424242])] });
      expectValidation(answer, 'levels');
      expect(answer.body.error.message).toContain('424242');
      expect(await listRules(channel.id)).toEqual([]);
    });

    it('a body that is not JSON → 400', async () => {
      const channel = await createChannel(service, channelName());
      const answer = await service.post(`/api/v1${rulesPath(channel.id)}`, '{"name":', {
        authorization: 'Bearer test-admin-token-0123456789',
        'content-type': 'application/json',
      });
      expectError(answer, 400, 'validation', /not valid JSON/);
    });

    it('PUT validates the same way and leaves the rule unchanged when it refuses', async () => {
      const channel = await createChannel(service, channelName());
      const rule = await createRule(channel.id, base());
      expectValidation(await service.api('PUT', `/escalation-rules/${rule.id}`, withLevel({ waitMinutes: 0 })), 'levels.0.waitMinutes');
      expectValidation(await service.api('PUT', `/escalation-rules/${rule.id}`, { ...base(), repeat: 6 }), 'repeat');
      expectValidation(await service.api('PUT', `/escalation-rules/${rule.id}`, { name: 'r', levels: [level([424242])] }), 'levels');
      expectValidation(await service.api('PUT', `/escalation-rules/${rule.id}`, { ...base(), extra: true }), 'extra');
      expect((await service.api('GET', `/escalation-rules/${rule.id}`)).body).toEqual(rule);
    });
  });

  describe('regex conditions run in linear time', () => {
    /** Posts an alert to the channel and waits for the rule its incident escalates by. */
    async function ruleChosenFor(channelId: number, path: string, title: string): Promise<string> {
      await whileHealthAnswers(service.url, async () => {
        expect((await service.post(path, postMessage(title, 'cpu 99%'))).body.code).toBe(0);
      });
      const incident = (await incidentsOfChannel(service, channelId)).find((candidate) => candidate.title === title);
      return waitFor(`the escalation of "${title}"`, async () => {
        const detail = await service.api('GET', `/incidents/${incident.id}`);
        return detail.body.incident.escalation?.ruleName as string | undefined;
      });
    }

    it(`a condition on ${CATASTROPHIC_PATTERN}: a 40-character "aaa…!" title is escalated by the next rule while /healthz answers`, async () => {
      const channel = await createChannel(service, channelName());
      await createRule(channel.id, { ...minimal('only aaa'), filters: { conditions: [{ field: 'title', op: 'regex', value: CATASTROPHIC_PATTERN }] } });
      await createRule(channel.id, minimal('everything else'));
      const integration = await createIntegration(service, { channelId: channel.id });
      expect(await ruleChosenFor(channel.id, integration.path, HOSTILE_TITLE)).toBe('everything else');
      expect(await ruleChosenFor(channel.id, integration.path, 'aaaaaaaa')).toBe('only aaa');
    });

    it.each([
      ['a backreference', BACKREFERENCE_PATTERN, /filters\.conditions\.0\.value: is not a valid regular expression: backreferences .* not supported/],
      ['a lookahead', LOOKAHEAD_PATTERN, /filters\.conditions\.0\.value: is not a valid regular expression: lookarounds .* not supported/],
    ])('a condition with %s is refused with a 400 saying why, on POST and PUT', async (_name, value, message) => {
      const channel = await createChannel(service, channelName());
      const body = { ...minimal(), filters: { conditions: [{ field: 'any', op: 'regex', value }] } };
      expectError(await service.api('POST', rulesPath(channel.id), body), 400, 'validation', message);
      expect(await listRules(channel.id)).toEqual([]);
      const rule = await createRule(channel.id, minimal());
      expectError(await service.api('PUT', `/escalation-rules/${rule.id}`, body), 400, 'validation', message);
      expect((await service.api('GET', `/escalation-rules/${rule.id}`)).body).toEqual(rule);
    });
  });

  describe('unknown ids', () => {
    it.each([
      ['GET', undefined],
      ['POST', { name: 'r', levels: [{ memberIds: [1], waitMinutes: 1 }] }],
    ])('%s the rules of an unknown channel → 404', async (method, body) => {
      expectError(await service.api(method, rulesPath(424242), body), 404, 'not_found', '424242');
    });

    it.each([
      ['GET', undefined],
      ['PUT', { name: 'r', levels: [{ memberIds: [1], waitMinutes: 1 }] }],
      ['DELETE', undefined],
    ])('%s an unknown rule → 404', async (method, body) => {
      const answer = await service.api(method, '/escalation-rules/424242', body === undefined ? undefined : { ...body, levels: [level([alice.id])] });
      expectError(answer, 404, 'not_found', '424242');
    });

    it('an id that is not a positive integer → 400 naming id', async () => {
      expectValidation(await service.api('GET', '/escalation-rules/abc'), 'id');
      expectValidation(await service.api('GET', '/channels/0/escalation-rules'), 'id');
    });

    it('without the admin token → 401', async () => {
      const channel = await createChannel(service, channelName());
      const answer = await fetch(`${service.url}/api/v1${rulesPath(channel.id)}`);
      expect(answer.status).toBe(401);
    });
  });
});
