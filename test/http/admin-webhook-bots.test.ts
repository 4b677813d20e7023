/**
 * Group bots through the admin API, as an operator uses it: created on a channel for each kind, secrets (the URL with
 * its token, signing secrets, verification tokens) accepted and never shown, checked against what each kind needs,
 * changed, deleted, and tested against the fake webhooks with the platform's answer reported.
 */
import { DATABASE_KINDS } from '../support/databases.js';
import { createChannel, expectError, expectValidation } from '../support/admin-helpers.js';
import { startTestService, type TestService } from '../support/test-service.js';
import { startFakeWebhookBots, type FakeBot, type FakeWebhookBots } from '../fakes/webhook-bots.js';
import { randomHex } from '../support/feishu-app-helpers.js';

const botBody = (bot: FakeBot, extra: Record<string, unknown> = {}) => ({
  name: `${bot.kind} room`,
  kind: bot.kind,
  url: bot.url,
  ...(bot.secret ? { secret: bot.secret } : {}),
  ...(bot.chatId ? { chatId: bot.chatId } : {}),
  ...(bot.keyword ? { keyword: bot.keyword } : {}),
  ...extra,
});

describe.each(DATABASE_KINDS)('admin API group bots on %s', (kind) => {
  let service: TestService;
  let fake: FakeWebhookBots;
  let channel: any;

  beforeAll(async () => {
    fake = await startFakeWebhookBots();
    service = await startTestService(kind, 'admin_bots');
    channel = await createChannel(service, `bots-${randomHex(3)}`);
  });
  afterAll(async () => {
    await service?.stop();
    await fake?.close();
  });

  it('creates a bot of each kind; lists them without their URL token or secret', async () => {
    const bots = [
      fake.state.addBot('feishu', { secret: `fs-${randomHex(8)}`, keyword: 'oncall' }),
      fake.state.addBot('dingtalk', { secret: `SEC${randomHex(16)}` }),
      fake.state.addBot('wecom'),
      fake.state.addBot('telegram'),
      fake.state.addBot('slack'),
      fake.state.addBot('zoom'),
    ];
    const created = [];
    for (const bot of bots) {
      const answer = await service.api('POST', `/channels/${channel.id}/bots`, botBody(bot));
      expect(answer.status).toBe(201);
      created.push(answer.body);
    }
    expect(created[0]).toEqual({
      id: expect.any(Number),
      channelId: channel.id,
      name: 'feishu room',
      kind: 'feishu',
      urlHint: `${fake.origin}/…`,
      hasSecret: true,
      chatId: null,
      keyword: 'oncall',
      mappingTableId: null,
      events: ['triggered', 'acknowledged', 'escalated', 'closed', 'reopened'],
      enabled: true,
      health: { lastSuccessAt: null, lastErrorAt: null, lastError: null, consecutiveFailures: 0 },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(created[3]).toMatchObject({ kind: 'telegram', chatId: bots[3].chatId, hasSecret: false });
    const list = await service.api('GET', `/channels/${channel.id}/bots`);
    expect(list.body.items.map((bot: any) => bot.kind)).toEqual(['feishu', 'dingtalk', 'wecom', 'telegram', 'slack', 'zoom']);
    const shown = JSON.stringify([list.body, ...created]);
    for (const bot of bots) {
      expect(shown).not.toContain(bot.id);
      if (bot.secret) expect(shown).not.toContain(bot.secret);
    }
  });

  it("refuses what a kind can't work with, naming the field", async () => {
    const path = `/channels/${channel.id}/bots`;
    const telegram = fake.state.addBot('telegram');
    expectValidation(await service.api('POST', path, { name: 't', kind: 'telegram', url: telegram.url }), 'chatId');
    expectValidation(await service.api('POST', path, { name: 'z', kind: 'zoom', url: `${fake.origin}/zoom/inc/x` }), 'secret');
    expectValidation(await service.api('POST', path, { name: 's', kind: 'slack', url: `${fake.origin}/slack/services/a/b/c`, keyword: 'alert' }), 'keyword');
    expectValidation(await service.api('POST', path, { name: 's', kind: 'slack', url: `${fake.origin}/slack/services/a/b/c`, chatId: '1' }), 'chatId');
    expectValidation(await service.api('POST', path, { name: 'x', kind: 'msteams', url: 'https://example.com/hook' }), 'kind');
    expectValidation(await service.api('POST', path, { name: 'x', kind: 'slack', url: 'javascript:alert(1)' }), 'url');
    expectValidation(await service.api('POST', path, { name: 'x', kind: 'slack', url: 'https://example.com/hook', events: ['paged'] }), 'events.0');
    expectValidation(await service.api('POST', path, { name: 'x', kind: 'slack', url: 'https://example.com/hook', colour: 'red' }), 'colour');
    expectError(await service.api('POST', '/channels/999999/bots', { name: 'x', kind: 'slack', url: 'https://example.com/hook' }), 404, 'not_found');
    expectError(await service.api('GET', '/bots/999999'), 404, 'not_found');
  });

  it('changes only the given fields; a null secret removes it; a bot is deleted', async () => {
    const bot = fake.state.addBot('dingtalk', { secret: `SEC${randomHex(16)}`, keyword: 'alarm' });
    const created = (await service.api('POST', `/channels/${channel.id}/bots`, botBody(bot, { events: ['triggered'] }))).body;
    const patched = await service.api('PATCH', `/bots/${created.id}`, { events: ['triggered', 'closed'], enabled: false });
    expect(patched.body).toMatchObject({ events: ['triggered', 'closed'], enabled: false, keyword: 'alarm', hasSecret: true, name: 'dingtalk room' });
    expect((await service.api('PATCH', `/bots/${created.id}`, { secret: null })).body.hasSecret).toBe(false);
    // Zoom can't lose its verification token.
    const zoom = fake.state.addBot('zoom');
    const zoomBot = (await service.api('POST', `/channels/${channel.id}/bots`, botBody(zoom))).body;
    expectValidation(await service.api('PATCH', `/bots/${zoomBot.id}`, { secret: null }), 'secret');
    expect((await service.api('DELETE', `/bots/${created.id}`)).status).toBe(204);
    expectError(await service.api('GET', `/bots/${created.id}`), 404, 'not_found');
  });

  it("tests a bot: the message arrives, the platform's answer is reported and recorded, and the health follows", async () => {
    const bot = fake.state.addBot('feishu', { secret: `fs-${randomHex(8)}`, keyword: 'oncall' });
    const created = (await service.api('POST', `/channels/${channel.id}/bots`, botBody(bot))).body;
    const tested = await service.api('POST', `/bots/${created.id}/test`);
    expect(tested).toEqual({ status: 200, body: { ok: true, attempts: 1, answer: { status: 200, body: expect.stringContaining('"code":0') }, error: null } });
    const [message] = fake.state.deliveredTo(bot);
    expect(message.text).toContain('Test message from oncall-im');
    expect(message.text).toContain(channel.name);
    expect(message.text).toContain('oncall');
    expect((await service.api('GET', `/bots/${created.id}`)).body.health).toMatchObject({ lastSuccessAt: expect.any(String), consecutiveFailures: 0 });

    // A wrong secret: Feishu's 19021 comes back, not retried, and the health shows it.
    await service.api('PATCH', `/bots/${created.id}`, { secret: 'not-the-secret' });
    const refused = await service.api('POST', `/bots/${created.id}/test`);
    expect(refused.body).toMatchObject({ ok: false, attempts: 1, answer: { status: 200, body: expect.stringContaining('19021') }, error: { kind: 'auth', code: 19021 } });
    const health = (await service.api('GET', `/bots/${created.id}`)).body.health;
    expect(health).toMatchObject({ lastErrorAt: expect.any(String), consecutiveFailures: 1, lastError: expect.stringContaining('auth') });
    const deliveries = (await service.api('GET', `/bots/${created.id}/deliveries`)).body.items;
    expect(deliveries.map((delivery: any) => [delivery.event, delivery.status, delivery.attempts, delivery.incidentId])).toEqual([
      ['test', 'failed', 1, null],
      ['test', 'sent', 1, null],
    ]);
    expect(deliveries[0]).toMatchObject({ answerStatus: 200, errorKind: 'auth', answer: expect.stringContaining('19021') });
  });

  it('the OpenAPI document describes the bot routes, with secrets write-only', async () => {
    const document: any = await (await fetch(`${service.url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${service.adminToken}` } })).json();
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/channels/{id}/bots', '/bots/{id}', '/bots/{id}/test', '/bots/{id}/deliveries']));
    const body = document.paths['/channels/{id}/bots'].post.requestBody.content['application/json'].schema;
    expect(body.properties.secret.writeOnly).toBe(true);
    expect(body.properties.url.writeOnly).toBe(true);
  });
});
