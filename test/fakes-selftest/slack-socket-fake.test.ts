/** The fake's Socket Mode side, checked with the real WebClient and a plain WebSocket client. */
import { webApi } from '@slack/bolt';
import WebSocket from 'ws';
import { startFakeSlack, type FakeSlack } from '../fakes/slack-web-api.js';

const APP_TOKEN = 'xapp-1-selftest';

describe('fake Slack Socket Mode', () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack({ botToken: 'xoxb-selftest', appToken: APP_TOKEN });
  });
  afterAll(async () => {
    await fake.close();
  });

  const open = (token: string) => new webApi.WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 } }).apps.connections.open({});

  it('apps.connections.open takes only the app-level token', async () => {
    await expect(open('xoxb-selftest')).rejects.toMatchObject({ data: { ok: false, error: 'not_allowed_token_type' } });
    await expect(open('xapp-1-unknown')).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
    const bot = new webApi.WebClient(APP_TOKEN, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    await expect(bot.auth.test()).rejects.toMatchObject({ data: { error: 'not_allowed_token_type' } });
    const opened = await open(APP_TOKEN);
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f-]{36}$/);
  });

  it('a ticket opens one connection, greeted with hello; acks are recorded; a reused ticket is refused', async () => {
    const { url } = await open(APP_TOKEN);
    const socket = new WebSocket(url!);
    const hello = await new Promise<any>((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString()))));
    expect(hello).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: fake.state.bot.appId },
    });

    socket.once('message', (data) => {
      const envelope = JSON.parse(data.toString());
      socket.send(JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: 'pong' } }));
    });
    const delivery = await fake.socket.deliver('slash_commands', { command: '/oncall', text: 'help' });
    expect(delivery.ack).toMatchObject({ envelopeId: delivery.envelope.envelopeId, payload: { text: 'pong' } });

    const status = await new Promise<number>((resolve) => new WebSocket(url!).once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
    socket.close(1000);
    await new Promise((resolve) => socket.once('close', resolve));
  });
});
