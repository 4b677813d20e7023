import { AlertEntity } from '../../src/db/entities/alert.entity.js';
import { ChatMessageEntity } from '../../src/db/entities/chat-message.entity.js';
import { ImIdentityEntity } from '../../src/db/entities/im-identity.entity.js';
import { IncidentEventEntity } from '../../src/db/entities/incident-event.entity.js';
import { IncidentEntity } from '../../src/db/entities/incident.entity.js';
import { feishuSign } from '../../src/ingest/feishu-webhook/feishu-signature.js';
import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, createMember, expectError, expectValidation } from '../support/admin-helpers.js';
import { FeishuAppWorld, type BoundChat, type Person } from '../support/feishu-app-world.js';
import { hookPath, type TestService } from '../support/test-service.js';

/** Row counts of everything intake or escalation writes: a dry run or test payload must leave them as they are. */
async function stored(service: TestService) {
  const manager = service.db.manager;
  return {
    incidents: await manager.count(IncidentEntity),
    alerts: await manager.count(AlertEntity),
    events: await manager.count(IncidentEventEntity),
    cards: await manager.count(ChatMessageEntity),
    identities: await manager.count(ImIdentityEntity),
  };
}

describe.each(DATABASE_KINDS)('admin API for the console on %s', (kind) => {
  let world: FeishuAppWorld;
  let service: TestService;
  let bound: BoundChat;
  let dba: any;
  let shared: any;

  beforeAll(async () => {
    world = await FeishuAppWorld.start(kind, 'console_api');
    service = world.service;
    bound = await world.boundChat({ channelName: 'sre' });
    dba = await createChannel(service, 'dba');
    const created = await service.api('POST', '/integrations', {
      name: 'alertmanager',
      kind: 'shared',
      defaultChannelId: bound.channel.id,
      routes: [{ conditions: [{ field: 'title', op: 'contains', value: 'MySQL' }], channelId: dba.id }],
      pushMode: 'by_rules',
      pushRules: [
        { action: 'close', conditions: [{ field: 'content', op: 'contains', value: 'RESOLVED' }], keyField: 'content', keyRegex: 'host=(\\S+)' },
        { action: 'trigger', conditions: [{ field: 'content', op: 'contains', value: 'FIRING' }], keyField: 'content', keyRegex: 'host=(\\S+)' },
      ],
      discardUnmatched: true,
      keywords: ['alert'],
    });
    expect(created.status).toBe(201);
    shared = created.body;
  });
  afterAll(async () => {
    await world.stop();
  });

  const post = (title: string, text: string) => ({ msg_type: 'post', content: { post: { en_us: { title, content: [[{ tag: 'text', text }]] } } } });

  describe('POST /integrations/:id/test-payload', () => {
    const testPayload = async (body: unknown, id = shared.id) => {
      const response = await fetch(`${service.url}/api/v1/integrations/${id}/test-payload`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service.adminToken}`, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };

    it('shows the matched rule, the Alert Key and the route, storing and sending nothing', async () => {
      await service.services.cards.idle();
      const before = await stored(service);
      const sentBefore = world.fake.state.cardsInChat(bound.chatId).length;
      const answer = await testPayload(post('MySQL replica lag', 'alert FIRING host=db-7 lag=300s'));
      expect(answer).toEqual({
        status: 200,
        body: {
          accepted: true,
          title: 'MySQL replica lag',
          severity: 'warning',
          description: 'alert FIRING host=db-7 lag=300s',
          links: [],
          alertKey: 'db-7',
          matchedRule: { index: 1 },
          action: 'trigger',
          routedTo: { channelId: dba.id, channelName: 'dba' },
        },
      });
      expect(await stored(service)).toEqual(before);
      await service.services.cards.idle();
      expect(world.fake.state.cardsInChat(bound.chatId)).toHaveLength(sentBefore);
    });

    it('says update when an open alert has the key, and close for a resolving message', async () => {
      const real = await service.post(hookPath(shared.url), post('Disk full', 'alert FIRING host=web-3'));
      expect(real.body.code).toBe(0);
      // The real alert's card is posted after the answer: count once it is.
      await service.services.cards.idle();
      const before = await stored(service);
      const update = await testPayload(post('Disk full', 'alert FIRING host=web-3 again'));
      expect(update.body).toEqual(expect.objectContaining({ accepted: true, action: 'update', alertKey: 'web-3', matchedRule: { index: 1 }, routedTo: { channelId: bound.channel.id, channelName: 'sre' } }));
      const close = await testPayload(post('Disk full', 'alert RESOLVED host=web-3'));
      expect(close.body).toEqual(expect.objectContaining({ accepted: true, action: 'close', alertKey: 'web-3', matchedRule: { index: 0 }, routedTo: { channelId: bound.channel.id, channelName: 'sre' } }));
      const nothingOpen = await testPayload(post('Disk full', 'alert RESOLVED host=never-fired'));
      expect(nothingOpen.body).toEqual(expect.objectContaining({ action: 'close', routedTo: null, note: expect.stringContaining('no open alert') }));
      expect(await stored(service)).toEqual(before);
    });

    it('says discard when no push rule matches, and keeps the links a card carries', async () => {
      const discard = await testPayload(post('Note', 'alert nothing to see'));
      expect(discard.body).toEqual(expect.objectContaining({ accepted: false, action: 'discard', matchedRule: null, routedTo: null, alertKey: null }));
      const card = await testPayload({
        msg_type: 'interactive',
        card: {
          header: { title: { tag: 'plain_text', content: 'alert FIRING' } },
          elements: [
            { tag: 'markdown', content: 'alert FIRING host=db-9' },
            { tag: 'button', text: { tag: 'plain_text', content: 'Dashboard' }, behaviors: [{ type: 'open_url', default_url: 'https://grafana.example/d/9' }] },
          ],
        },
      });
      expect(card.body).toEqual(expect.objectContaining({ accepted: true, action: 'trigger', alertKey: 'db-9', links: [{ text: 'Dashboard', url: 'https://grafana.example/d/9' }] }));
    });

    it("answers a payload the endpoint refuses with Feishu's code and message", async () => {
      expect((await testPayload({ content: { text: 'alert' } })).body).toEqual(expect.objectContaining({ accepted: false, error: { code: 19002, msg: 'params error, msg_type need' } }));
      expect((await testPayload({ msg_type: 'text', content: { text: 'no keyword here' } })).body).toEqual(expect.objectContaining({ accepted: false, error: { code: 19024, msg: 'Key Words Not Found' } }));
      expect((await testPayload('{not json')).body.error).toEqual({ code: 9499, msg: 'Bad Request: the body is not valid JSON' });
      expect((await testPayload({ msg_type: 'text', content: { text: `alert ${'x'.repeat(21_000)}` } })).body.error).toEqual({ code: 9499, msg: 'Bad Request: the body is over 20 KB' });
    });

    it('needs no signature, since the signing secret is never shown; the real endpoint still does', async () => {
      const signed = await service.api('POST', '/integrations', { name: 'signed', channelId: bound.channel.id, signingSecret: 'top-secret-sign' });
      expect(signed.status).toBe(201);
      const body = { msg_type: 'text', content: { text: 'signed test' } };
      expect((await testPayload(body, signed.body.id)).body).toEqual(expect.objectContaining({ accepted: true, action: 'trigger', routedTo: { channelId: bound.channel.id, channelName: 'sre' } }));
      expect((await service.post(hookPath(signed.body.url), body)).body.code).toBe(19021);
      const timestamp = String(Math.floor(Date.now() / 1000));
      expect((await service.post(hookPath(signed.body.url), { ...body, timestamp, sign: feishuSign(timestamp, 'top-secret-sign') })).body.code).toBe(0);
    });

    it('answers for a disabled integration what its URL answers', async () => {
      const off = await service.api('POST', '/integrations', { name: 'paused', channelId: bound.channel.id, enabled: false });
      expect(off.status).toBe(201);
      const body = { msg_type: 'text', content: { text: 'paused' } };
      expect((await testPayload(body, off.body.id)).body).toEqual(expect.objectContaining({ accepted: false, error: { code: 19001, msg: 'param invalid: incoming webhook access token invalid' } }));
      expect((await service.post(hookPath(off.body.url), body)).body.code).toBe(19001);
    });

    it('is admin-only and 404s an unknown integration', async () => {
      const anonymous = await fetch(`${service.url}/api/v1/integrations/${shared.id}/test-payload`, { method: 'POST', body: '{}' });
      expect(anonymous.status).toBe(401);
      expectError(await testPayload({ msg_type: 'text', content: { text: 'x' } }, 999_999), 404, 'not_found');
    });
  });

  describe('POST /escalation-rules/dry-run', () => {
    let alice: Person;
    let bob: Person;
    let carol: any;
    let rules: { critical: any; catchAll: any };

    beforeAll(async () => {
      alice = await world.person('Alice');
      bob = await world.person('Bob');
      carol = await createMember(service, 'Carol');
      // Alice's account is linked; Bob's would be found by email, but a dry run must not link it.
      const linked = await service.api('POST', '/members/auto-link', { platform: 'feishu', memberIds: [alice.member!.id] });
      expect(linked.body.linked).toHaveLength(1);
      const critical = await service.api('POST', `/channels/${bound.channel.id}/escalation-rules`, {
        name: 'Critical only',
        filters: { severities: ['critical'] },
        levels: [{ memberIds: [carol.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 3 }],
      });
      const catchAll = await service.api('POST', `/channels/${bound.channel.id}/escalation-rules`, {
        name: 'Everything else',
        levels: [
          { memberIds: [alice.member!.id, bob.member!.id], notifyGroupChats: true, notifyDirect: true, waitMinutes: 5 },
          { memberIds: [carol.id], notifyGroupChats: false, notifyDirect: true, waitMinutes: 15 },
        ],
        repeat: 1,
        stopOn: 'closed',
      });
      expect([critical.status, catchAll.status]).toEqual([201, 201]);
      rules = { critical: critical.body, catchAll: catchAll.body };
    });

    it('picks the rule escalation would pick and lays out who is paged when, writing nothing', async () => {
      const before = await stored(service);
      const answer = await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, sample: { title: 'Checkout slow', severity: 'warning' } });
      expect(answer.status).toBe(200);
      expect(answer.body.rule).toEqual({ id: rules.catchAll.id, name: 'Everything else' });
      expect(answer.body.stopsOn).toBe('closed');
      expect(answer.body.steps.map((step: any) => [step.atSeconds, step.level, step.repeat])).toEqual([
        [0, 1, 0],
        [300, 2, 0],
        [1200, 1, 1],
        [1500, 2, 1],
      ]);
      const chat = `feishu group chat "${bound.channel.name} room"`;
      expect(answer.body.steps[0].targets).toEqual([
        { kind: 'member', id: alice.member!.id, name: 'Alice', via: ['feishu direct message', `@mention in ${chat}`] },
        { kind: 'member', id: bob.member!.id, name: 'Bob', via: [] },
        { kind: 'chat', id: bound.chatId, name: `${bound.channel.name} room`, via: ['feishu group chat'] },
      ]);
      expect(answer.body.steps[1].targets).toEqual([{ kind: 'member', id: carol.id, name: 'Carol', via: [] }]);
      expect(await stored(service)).toEqual(before);
    });

    it('tries an existing incident by its own facts', async () => {
      const critical = await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, sample: { title: 'x', severity: 'critical' } });
      expect(critical.body).toEqual({ rule: { id: rules.critical.id, name: 'Critical only' }, stopsOn: 'acknowledged', steps: [{ atSeconds: 0, level: 1, repeat: 0, targets: [{ kind: 'member', id: carol.id, name: 'Carol', via: [] }] }] });
      const [incident] = (await service.api('GET', '/incidents?limit=1')).body.items;
      const byIncident = await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, incidentId: incident.id });
      expect(byIncident.body.rule).toEqual({ id: rules.catchAll.id, name: 'Everything else' });
    });

    it('lists the members an email level reaches by email, and not those without an address', async () => {
      const mail = await createChannel(service, 'mail-paged');
      const dave = await createMember(service, 'Dave', { email: 'dave@example.com' });
      const erin = await createMember(service, 'Erin-no-mail');
      const rule = await service.api('POST', `/channels/${mail.id}/escalation-rules`, {
        name: 'By email',
        levels: [{ memberIds: [dave.id, erin.id], notifyGroupChats: false, notifyDirect: false, notifyEmail: true, waitMinutes: 5 }],
      });
      expect(rule.status).toBe(201);
      const answer = await service.api('POST', '/escalation-rules/dry-run', { channelId: mail.id, sample: { title: 'Disk full', severity: 'critical' } });
      expect(answer.status).toBe(200);
      expect(answer.body.steps[0].targets).toEqual([
        { kind: 'member', id: dave.id, name: 'Dave', via: ['email'] },
        { kind: 'member', id: erin.id, name: 'Erin-no-mail', via: [] },
      ]);
    });

    it('answers no rule for a channel without one', async () => {
      expect((await service.api('POST', '/escalation-rules/dry-run', { channelId: dba.id, sample: { title: 'x', severity: 'info' } })).body).toEqual({ rule: null, steps: [], stopsOn: null });
    });

    it('refuses bad input naming the field', async () => {
      expectValidation(await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id }), 'sample');
      expectValidation(await service.api('POST', '/escalation-rules/dry-run', { channelId: 999_999, sample: { title: 'x', severity: 'info' } }), 'channelId');
      expectValidation(await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, incidentId: 999_999 }), 'incidentId');
      expectValidation(await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, sample: { title: 'x', severity: 'loud' } }), 'sample.severity');
      // A sample is capped as an alert is at intake: a title over 512 characters or a description over 21,000 is refused.
      expectValidation(await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, sample: { title: 'x'.repeat(513), severity: 'info' } }), 'sample.title');
      expectValidation(
        await service.api('POST', '/escalation-rules/dry-run', { channelId: bound.channel.id, sample: { title: 'x', severity: 'info', description: 'y'.repeat(21_001) } }),
        'sample.description',
      );
    });
  });

  describe('GET /members/link-health and POST /members/auto-link', () => {
    it('lists members without an account per IM and links the ones the directory knows', async () => {
      const erin = await world.person('Erin');
      const frank = await createMember(service, 'Frank', { email: 'frank.nobody@example.com' });
      const grace = await createMember(service, 'Grace', { phone: '+86 138 0000 0001' });
      const health = await service.api('GET', '/members/link-health');
      expect(health.status).toBe(200);
      const feishu = health.body.platforms.find((platform: any) => platform.platform === 'feishu');
      expect(feishu).toEqual(expect.objectContaining({ enabled: true, searchableBy: ['email'] }));
      expect(feishu.unlinked).toEqual(expect.arrayContaining([
        { memberId: erin.member!.id, name: 'Erin', email: erin.email, phone: null },
        { memberId: grace.id, name: 'Grace', email: null, phone: '+86 138 0000 0001' },
      ]));
      expect(health.body.platforms.find((platform: any) => platform.platform === 'slack')).toEqual(expect.objectContaining({ enabled: false }));

      const report = await service.api('POST', '/members/auto-link', { platform: 'feishu', memberIds: [erin.member!.id, frank.id, grace.id] });
      expect(report).toEqual({
        status: 200,
        body: {
          linked: [{ memberId: erin.member!.id, platform: 'feishu', externalId: erin.user.open_id, by: 'email' }],
          notFound: [
            { memberId: frank.id, platform: 'feishu', reason: "no feishu account has this member's email or mobile" },
            { memberId: grace.id, platform: 'feishu', reason: 'no email or mobile this directory can be searched by' },
          ],
        },
      });
      const after = await service.api('GET', '/members/link-health');
      const stillUnlinked = after.body.platforms.find((platform: any) => platform.platform === 'feishu').unlinked.map((member: any) => member.memberId);
      expect(stillUnlinked).not.toContain(erin.member!.id);
      expect(stillUnlinked).toContain(frank.id);
    });

    it("never takes an account linked to another member", async () => {
      const henry = await world.person('Henry');
      const other = await createMember(service, 'Someone else');
      const mapped = await service.api('POST', '/im-identities', { platform: 'feishu', mappings: [{ memberId: other.id, externalId: henry.user.open_id }] });
      expect(mapped.status).toBe(200);
      const report = await service.api('POST', '/members/auto-link', { memberIds: [henry.member!.id] });
      expect(report.body).toEqual({ linked: [], notFound: [{ memberId: henry.member!.id, platform: 'feishu', reason: 'the feishu account with this email is linked to another member' }] });
    });

    it('refuses a platform that is not enabled and unknown members', async () => {
      expectValidation(await service.api('POST', '/members/auto-link', { platform: 'slack' }), 'platform');
      expectValidation(await service.api('POST', '/members/auto-link', { platform: 'telegram' }), 'platform');
      expectValidation(await service.api('POST', '/members/auto-link', { memberIds: [999_999] }), 'memberIds');
    });
  });
});
