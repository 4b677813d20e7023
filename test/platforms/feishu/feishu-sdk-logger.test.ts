/**
 * What the Feishu SDK logs reaches our log with what an operator needs — the API (method and path), the HTTP status,
 * Feishu's code and msg — and without what its error objects also carry: the request body (the app secret, when the
 * token request fails), the tenant token. The whole service, its log captured, against the fake Open API.
 */
import { Writable } from 'node:stream';
import { startService, type RunningService } from '../../../src/app/start-service.js';
import { createLogger } from '../../../src/lib/logger.js';
import { startFakeFeishu, type FakeFeishu } from '../../fakes/feishu-open-api.js';
import { dropDatabase, freshDatabase } from '../../support/databases.js';
import { serviceClient, type ServiceClient } from '../../support/escalation-helpers.js';
import { randomHex, waitFor, type FeishuAppSecrets } from '../../support/feishu-app-helpers.js';
import { hookPath, testServiceConfig } from '../../support/test-service.js';
import type { DatabaseConfig } from '../../../src/config/config.js';

class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  sdkLines(): Array<Record<string, any>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => line.source === 'feishu-sdk');
  }
}

describe('the Feishu SDK in our log', () => {
  const log = new CapturedLog();
  let fake: FakeFeishu;
  let database: DatabaseConfig;
  let running: RunningService;
  let client: ServiceClient;
  let secrets: FeishuAppSecrets;

  beforeAll(async () => {
    fake = await startFakeFeishu({ apps: {} });
    secrets = { ...fake.state.newApp(), verificationToken: `vt_${randomHex(12)}`, encryptKey: `ek_${randomHex(16)}` };
    database = await freshDatabase('sqlite', 'sdk_log');
    const config = testServiceConfig(database, { logLevel: 'debug', feishu: { ...secrets, domain: fake.url, connection: 'webhook' } });
    running = await startService(config, createLogger('debug', log));
    client = serviceClient(running.url);
  });
  afterAll(async () => {
    await running?.stop();
    if (database) await dropDatabase(database);
    await fake?.close();
  });

  /** A channel whose integration posts cards into `chat`; returns the integration's hook path. */
  async function channelIn(chatId: string): Promise<string> {
    const channel = await client.api('POST', '/channels', { name: `sdk-${randomHex(3)}` });
    const integration = await client.api('POST', '/integrations', { name: `sdk-${randomHex(3)}`, channelId: channel.body.id });
    expect((await client.api('POST', '/chat-bindings', { platform: 'feishu', chatId, channelId: channel.body.id })).status).toBe(201);
    return hookPath(integration.body.url);
  }

  it('a refused API call is logged with its API, status, code and msg; no secret or token is', async () => {
    // The bot is not in the chat: Feishu answers HTTP 400, code 230002.
    const outside = fake.state.addChat({ name: 'bot not here', botIsMember: false });
    const path = await channelIn(outside.chatId);
    expect((await client.post(path, { msg_type: 'text', content: { text: 'disk full' } })).body.code).toBe(0);
    const refused = await waitFor('the SDK logging the refused send', () => log.sdkLines().find((line) => line.code === 230002));
    expect(refused).toMatchObject({ api: 'POST /open-apis/im/v1/messages', status: 400, code: 230002, msg: 'Request failed with status code 400: Bot/User can NOT be out of the chat.' });
    expect(refused.level).toBe(40);

    // The token request fails at HTTP level: the SDK's error object holds the request body, with the app secret.
    const issued = new Set(fake.state.tokens.keys());
    fake.state.revokeTokens();
    fake.state.injectFailures.push({ method: 'POST', pathPrefix: '/open-apis/auth/v3/tenant_access_token', status: 500, body: { code: 1, msg: 'internal error' } });
    const inside = fake.state.addChat({ name: 'bot here' });
    expect((await client.post(await channelIn(inside.chatId), { msg_type: 'text', content: { text: 'cpu high' } })).body.code).toBe(0);
    const tokenFailure = await waitFor('the SDK logging the failed token request', () =>
      log.sdkLines().find((line) => line.api === 'POST /open-apis/auth/v3/tenant_access_token/internal'),
    );
    expect(tokenFailure).toMatchObject({ status: 500, code: 1, msg: 'Request failed with status code 500: internal error' });
    await running.services.cards.idle();
    await waitFor('the card, once a new token is issued', () => fake.state.cardsInChat(inside.chatId)[0]);

    for (const token of fake.state.tokens.keys()) issued.add(token);
    expect(issued.size).toBeGreaterThan(0);
    const secretsUsed = { appSecret: secrets.appSecret, encryptKey: secrets.encryptKey!, ...Object.fromEntries([...issued].map((token, index) => [`tenantToken${index}`, token])) };
    const leaked = Object.entries(secretsUsed).filter(([, secret]) => log.text.includes(secret)).map(([name]) => name);
    expect(leaked).toEqual([]);
    // Every SDK line says something.
    for (const line of log.sdkLines()) expect(line.msg).not.toBe('');
  }, 30_000);
});
