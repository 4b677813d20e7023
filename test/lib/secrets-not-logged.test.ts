/**
 * Secrets and tokens never reach a log line: the whole service at `trace` level, its log captured, driven through
 * signed alerts, admin calls, Feishu callbacks, an Open API call refused for its token, and an admin call whose SQL
 * statement fails with a secret among its parameters. Every secret the run used is then looked for in the captured text.
 */
import { Writable } from 'node:stream';
import { startService, type RunningService } from '../../src/app/start-service.js';
import { createLogger } from '../../src/lib/logger.js';
import { cardActionEvent, messageReceiveEvent } from '../fakes/feishu-callbacks.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-open-api.js';
import { startFakeWebhookBots, type FakeWebhookBots } from '../fakes/webhook-bots.js';
import { dropDatabase, freshDatabase, DATABASE_KINDS } from '../support/databases.js';
import { serviceClient, type ServiceClient } from '../support/escalation-helpers.js';
import { postCallback, randomHex, waitFor, type FeishuAppSecrets } from '../support/feishu-app-helpers.js';
import { signedBody } from '../support/feishu-signing.js';
import { TEST_ADMIN_TOKEN, hookPath, testServiceConfig, type TestService } from '../support/test-service.js';
import type { DatabaseConfig } from '../../src/config/config.js';

class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

describe.each(DATABASE_KINDS)('secrets never logged, on %s', (kind) => {
  const log = new CapturedLog();
  let fake: FakeFeishu;
  let bots: FakeWebhookBots;
  let database: DatabaseConfig;
  let running: RunningService;
  let client: ServiceClient;
  let secrets: FeishuAppSecrets;
  const signingSecret = `sig-${randomHex(12)}`;
  const secondSecret = `sig-${randomHex(12)}`;

  beforeAll(async () => {
    fake = await startFakeFeishu({ apps: {} });
    bots = await startFakeWebhookBots();
    secrets = { ...fake.state.newApp(), verificationToken: `vt_${randomHex(12)}`, encryptKey: `ek_${randomHex(16)}` };
    database = await freshDatabase(kind, 'secrets_log');
    const config = testServiceConfig(database, { logLevel: 'trace', feishu: { ...secrets, domain: fake.url, connection: 'webhook' } });
    running = await startService(config, createLogger('trace', log));
    client = serviceClient(running.url);
  });
  afterAll(async () => {
    await running?.stop();
    if (database) await dropDatabase(database);
    await fake?.close();
    await bots?.close();
  });

  it('keeps the admin token, signing secret, integration key, app secret, keys and tenant tokens out of the log', async () => {
    const channel = await client.api('POST', '/channels', { name: `sec-${randomHex(3)}` });
    const integration = await client.api('POST', '/integrations', { name: `sec-${randomHex(3)}`, channelId: channel.body.id, signingSecret });
    expect(integration.status).toBe(201);
    const path = hookPath(integration.body.url);
    const key = path.split('/').pop()!;
    const chat = fake.state.addChat({ name: 'secrets room' });
    expect((await client.api('POST', '/chat-bindings', { platform: 'feishu', chatId: chat.chatId, channelId: channel.body.id })).status).toBe(201);

    // A signed alert (card posted through the Open API: a tenant token is issued), a badly signed one, an unknown key.
    expect((await client.post(path, signedBody({ msg_type: 'text', content: { text: 'disk full' } }, signingSecret))).body.code).toBe(0);
    expect((await client.post(path, { msg_type: 'text', content: { text: 'x' }, timestamp: '1', sign: 'forged' })).body.code).toBe(19021);
    expect((await client.post(`${path}0`, { msg_type: 'text', content: { text: 'x' } })).body.code).toBe(19001);
    const card = await waitFor('the card', () => fake.state.cardsInChat(chat.chatId)[0]);

    // An Open API call refused for its token (revoked mid-way): the app logs it and fetches a new one.
    const tenantTokens = new Set(fake.state.tokens.keys());
    fake.state.revokeTokens();
    const user = fake.state.addUser({ name: 'Eve', email: `eve.${randomHex(3)}@example.com` });
    const click = cardActionEvent({
      operatorOpenId: user.open_id,
      value: { action: 'acknowledge', incidentId: 1 },
      openMessageId: card.messageId,
      openChatId: chat.chatId,
      appId: secrets.appId,
      tenantKey: fake.state.tenantKey,
      token: secrets.verificationToken,
    });
    expect((await postCallback(running as TestService, secrets, click)).status).toBe(200);
    const command = messageReceiveEvent({ senderOpenId: user.open_id, chatId: chat.chatId, chatType: 'group', text: 'whoami', mentionBot: true, appId: secrets.appId, tenantKey: fake.state.tenantKey, token: secrets.verificationToken });
    expect((await postCallback(running as TestService, secrets, command)).status).toBe(200);
    // A forged callback and a wrong admin token.
    expect((await postCallback(running as TestService, secrets, click, (request) => (request.headers['x-lark-signature'] = 'forged'))).status).toBe(401);
    expect((await fetch(`${running.url}/api/v1/channels`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` } })).status).toBe(401);

    // Group bots: their URLs carry tokens, their secrets sign; a test message refused for its signature is logged.
    const dingtalk = bots.state.addBot('dingtalk', { secret: `SEC${randomHex(16)}` });
    const zoom = bots.state.addBot('zoom');
    const wrongSecret = `SEC${randomHex(16)}`;
    const dingtalkBot = await client.api('POST', `/channels/${channel.body.id}/bots`, { name: 'ding', kind: 'dingtalk', url: dingtalk.url, secret: wrongSecret });
    const zoomBot = await client.api('POST', `/channels/${channel.body.id}/bots`, { name: 'zoom', kind: 'zoom', url: zoom.url, secret: zoom.secret });
    expect((await client.api('POST', `/bots/${dingtalkBot.body.id}/test`)).body).toMatchObject({ ok: false, error: { kind: 'auth' } });
    expect((await client.api('POST', `/bots/${zoomBot.body.id}/test`)).body).toMatchObject({ ok: true });
    const botSecrets = { dingtalkToken: dingtalk.id, dingtalkSecret: wrongSecret, zoomToken: zoom.secret!, zoomPath: zoom.id };

    // A statement that fails with a secret among its parameters: an integration created while its table is away.
    // The service logs the database's error (whose parameters hold the signing secret) and answers 500.
    await running.db.manager.query('ALTER TABLE integrations RENAME TO integrations_away');
    try {
      const failed = await client.api('POST', '/integrations', { name: `sec-${randomHex(3)}`, channelId: channel.body.id, signingSecret: secondSecret });
      expect(failed.status).toBe(500);
    } finally {
      await running.db.manager.query('ALTER TABLE integrations_away RENAME TO integrations');
    }
    await running.services.cards.idle();

    for (const token of fake.state.tokens.keys()) tenantTokens.add(token);
    expect(tenantTokens.size).toBeGreaterThan(0);
    const secretsUsed = { ...botSecrets, adminToken: TEST_ADMIN_TOKEN, signingSecret, secondSecret, key, appSecret: secrets.appSecret, encryptKey: secrets.encryptKey!, verificationToken: secrets.verificationToken, ...Object.fromEntries([...tenantTokens].map((token, index) => [`tenantToken${index}`, token])) };
    // The service's log did record all this (so the check below is not vacuous) ...
    expect(log.text).toContain('unhandled error');
    expect(log.text).toMatch(/QueryFailedError[^\n]*integrations/);
    expect(log.text).toContain('feishu alert rejected');
    expect(log.text).toContain('feishu callback rejected');
    expect(log.text).toContain('feishu refused the tenant token');
    expect(log.text).toContain('bot message not delivered');
    expect(log.text.split('\n').length).toBeGreaterThan(20);
    // ... and none of the secrets.
    const leaked = Object.entries(secretsUsed).filter(([, secret]) => log.text.includes(secret)).map(([name]) => name);
    expect(leaked).toEqual([]);
  }, 30_000);
});
