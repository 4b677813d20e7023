/**
 * The DingTalk Stream connection (dingtalk-stream's DWClient underneath) against the fake gateway: subscriptions,
 * handlers and acks, SYSTEM frames, failures, hostile frames, bad credentials, and a clean stop.
 */
import { Redis } from 'ioredis';
import { RedisDeduper } from '../../../src/lib/dedupe.js';
import { createLogger } from '../../../src/lib/logger.js';
import { DingTalkStreamConnection, DINGTALK_TOPIC_CARD, DINGTALK_TOPIC_ROBOT, type DingTalkStreamMessage } from '../../../src/platforms/dingtalk/dingtalk-stream-connection.js';
import { REDIS_TEST_URL } from '../../support/databases.js';
import { streamWorlds } from '../../support/dingtalk-stream-helpers.js';
import { waitFor } from '../../support/feishu-app-helpers.js';

const worlds = streamWorlds();
afterEach(() => worlds.cleanup());
afterAll(() => worlds.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cardAnswer = { cardData: { cardParamMap: { status: 'acknowledged' } }, cardUpdateOptions: { updateCardDataByKey: true } };

describe('DingTalk Stream connection', () => {
  it('subscribes to its topics, hands robot messages and card callbacks to their handlers, and acks with their answer', async () => {
    const { fake, connection, log } = await worlds.world();
    const seen: DingTalkStreamMessage[] = [];
    connection.on(DINGTALK_TOPIC_ROBOT, async (message) => {
      seen.push(message);
      return undefined;
    });
    connection.on(DINGTALK_TOPIC_CARD, async (message) => {
      seen.push(message);
      return cardAnswer;
    });
    expect(connection.state).toBe('idle');
    await connection.start();
    await waitFor('the connection to open', () => (connection.state === 'open' ? true : undefined));

    const app = fake.gateway.apps[0];
    expect(fake.gateway.openRequests).toHaveLength(1);
    expect(fake.gateway.openRequests[0]).toMatchObject({
      clientId: app.clientId,
      ua: expect.stringContaining('oncall-im'),
      accept: expect.stringContaining('application/json'),
      subscriptions: [
        { type: 'CALLBACK', topic: DINGTALK_TOPIC_ROBOT },
        { type: 'CALLBACK', topic: DINGTALK_TOPIC_CARD },
      ],
    });

    const robotData = { conversationId: 'cid-1', conversationType: '2', msgtype: 'text', text: { content: ' list' }, senderStaffId: 'staff-1', isInAtList: true };
    const cardData = { type: 'actionCallback', outTrackId: 'track-1', userId: 'staff-1', content: JSON.stringify({ cardPrivateData: { actionIds: ['ack'], params: {} } }) };
    const robot = fake.gateway.push(DINGTALK_TOPIC_ROBOT, robotData);
    const card = fake.gateway.push(DINGTALK_TOPIC_CARD, cardData);
    // The package's ack format: {code:200, headers:{contentType, messageId}, message:'OK', data: JSON of {response}}.
    expect(await robot.ack()).toMatchObject({ code: 200, message: 'OK', data: {} });
    expect(await card.ack()).toMatchObject({ code: 200, message: 'OK', data: { response: cardAnswer } });
    const ackFrame = fake.gateway.frames.find((recorded) => recorded.direction === 'up' && (recorded.frame as any).headers.messageId === card.messageId);
    expect(ackFrame?.frame).toEqual({
      code: 200,
      headers: { contentType: 'application/json', messageId: card.messageId },
      message: 'OK',
      data: JSON.stringify({ response: cardAnswer }),
    });
    expect(seen).toEqual([
      { messageId: robot.messageId, topic: DINGTALK_TOPIC_ROBOT, data: robotData },
      { messageId: card.messageId, topic: DINGTALK_TOPIC_CARD, data: cardData },
    ]);
    expect(connection.liveSockets).toBe(1);

    // Neither the secret nor the connection ticket reaches the log.
    expect(log.text).not.toContain(app.clientSecret);
    expect(log.text).not.toMatch(/ticket=/);
  });

  it('answers SYSTEM ping with a pong, and on SYSTEM disconnect moves to a new connection at once, keeping one live socket', async () => {
    const { fake, connection } = await worlds.world();
    let handled = 0;
    connection.on(DINGTALK_TOPIC_CARD, async () => {
      handled += 1;
      return undefined;
    });
    await connection.start();
    await waitFor('the connection to open', () => (connection.state === 'open' ? true : undefined));
    await expect(fake.gateway.ping()).resolves.toBe(1);
    // The other SYSTEM topics the package knows change nothing here.
    for (const topic of ['CONNECTED', 'REGISTERED', 'KEEPALIVE', 'unknown-topic']) fake.gateway.system(topic);
    await fake.gateway.push(DINGTALK_TOPIC_CARD, {}).ack();
    expect(fake.gateway.connections).toHaveLength(1);

    // The gateway would close the old connection only after 5 s; the client leaves it at once.
    fake.gateway.disconnect(5_000);
    await waitFor('a second connection', () => (fake.gateway.connections.length === 2 && connection.state === 'open' ? true : undefined));
    await waitFor('the old connection gone', () => (fake.gateway.liveSockets === 1 ? true : undefined), 1_000);
    expect(connection.liveSockets).toBe(1);
    expect(fake.gateway.connections[0].closedAt).toBeDefined();
    await fake.gateway.push(DINGTALK_TOPIC_CARD, {}).ack();
    expect(handled).toBe(2);
  });

  it('a handler that fails leaves the callback unacked; the re-delivery runs it again and is acked', async () => {
    const { fake, connection, log } = await worlds.world({ gateway: { redeliverAfterMs: 1_000 } });
    let attempts = 0;
    connection.on(DINGTALK_TOPIC_CARD, async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('database unavailable');
      return cardAnswer;
    });
    await connection.start();
    const pushed = fake.gateway.push(DINGTALK_TOPIC_CARD, { outTrackId: 't' });
    await waitFor('the first attempt', () => (attempts === 1 ? true : undefined));
    await sleep(100);
    expect(fake.gateway.unacked()).toEqual([pushed.messageId]);
    expect(await pushed.ack()).toMatchObject({ data: { response: cardAnswer } });
    expect(attempts).toBe(2);
    expect(fake.gateway.deliveries(pushed.messageId)).toBe(2);
    expect(log.entries(/handler failed; left unacknowledged/)).toHaveLength(1);
  });

  it('hostile frames: data that is not JSON is acked without running the handler; garbage and frames without ids are ignored; an oversized frame costs one reconnect', async () => {
    const { fake, connection, log } = await worlds.world();
    const handled: unknown[] = [];
    connection.on(DINGTALK_TOPIC_CARD, async (message) => {
      handled.push(message.data);
      return undefined;
    });
    await connection.start();
    await waitFor('the connection to open', () => (connection.state === 'open' ? true : undefined));

    const notJson = fake.gateway.push(DINGTALK_TOPIC_CARD, undefined, { rawData: '{"outTrackId": <script>' });
    expect(await notJson.ack()).toMatchObject({ code: 200 });
    fake.gateway.sendRaw('not json at all');
    fake.gateway.sendRaw(JSON.stringify({ specVersion: '1.0', type: 'CALLBACK', headers: { topic: DINGTALK_TOPIC_CARD }, data: '{}' }));
    fake.gateway.sendRaw(JSON.stringify({ specVersion: '1.0', type: 'CALLBACK', headers: { topic: 'error', messageId: 'x'.repeat(300) }, data: '{}' }));
    fake.gateway.sendRaw(JSON.stringify({ specVersion: '1.0', type: 'SYSTEM' }));
    await sleep(50);
    expect(handled).toEqual([]);
    expect(log.entries(/not JSON; acknowledged and dropped/)).toHaveLength(1);
    expect(log.entries(/unreadable; ignored/).length).toBeGreaterThanOrEqual(2);
    expect(log.entries(/without a usable messageId/)).toHaveLength(2);

    // A frame over 1 MiB is refused by the socket (close 1009); the connection comes back and keeps working.
    fake.gateway.sendRaw(JSON.stringify({ specVersion: '1.0', type: 'CALLBACK', headers: { topic: DINGTALK_TOPIC_CARD, messageId: 'big' }, data: 'x'.repeat(1_100_000) }));
    await waitFor('a new connection', () => (fake.gateway.connections.length === 2 && connection.state === 'open' ? true : undefined));
    const after = fake.gateway.push(DINGTALK_TOPIC_CARD, { outTrackId: 'after' });
    await after.ack();
    expect(handled).toEqual([{ outTrackId: 'after' }]);
    expect(connection.liveSockets).toBe(1);
  });

  it('wrong credentials: keeps retrying with backoff, says authFailed in the log, never logs the secret', async () => {
    const { fake, another, log } = await worlds.world();
    const connection = another({ clientSecret: 'wrong-secret-value' });
    connection.on(DINGTALK_TOPIC_CARD, async () => undefined);
    await connection.start();
    await waitFor('three attempts', () => (fake.gateway.openRequests.length >= 3 ? true : undefined));
    expect(fake.gateway.openRequests.every((request) => request.status === 401)).toBe(true);
    expect(connection.state).toBe('connecting');
    expect(connection.liveSockets).toBe(0);
    const failures = log.entries(/could not connect/);
    expect(JSON.stringify(failures[0])).toContain('HTTP 401 authFailed');
    expect(log.text).not.toContain('wrong-secret-value');
    await connection.stop();
    const attempts = fake.gateway.openRequests.length;
    await sleep(300);
    expect(fake.gateway.openRequests.length).toBe(attempts);
  });

  it('a handshake the gateway leaves hanging is given up within deadLinkMs and retried', async () => {
    const deadLinkMs = 400;
    const { fake, connection } = await worlds.world({ connection: { deadLinkMs } });
    connection.on(DINGTALK_TOPIC_CARD, async () => undefined);
    fake.gateway.stallHandshakes(1);
    const started = Date.now();
    await connection.start();
    await waitFor('the connection to open', () => (connection.state === 'open' ? true : undefined));
    expect(fake.gateway.stalledHandshakes).toBe(1);
    expect(Date.now() - started).toBeLessThan(deadLinkMs + 600);
    expect(connection.liveSockets).toBe(1);
    await fake.gateway.push(DINGTALK_TOPIC_CARD, {}).ack();
  });

  it('while the dedupe store cannot answer, a callback stays unacked and is handled once it answers again', async () => {
    const { fake, another } = await worlds.world();
    const redis = new Redis(REDIS_TEST_URL);
    const real = new RedisDeduper(redis, 600);
    let storeDown = true;
    const connection = another({
      // The API base URL as an admin might write it, with a trailing slash.
      apiBaseUrl: `${fake.apiBaseUrl}/`,
      deduper: { firstSeen: (key) => (storeDown ? Promise.reject(new Error('Redis not connected (reconnecting)')) : real.firstSeen(key)) },
    });
    let runs = 0;
    connection.on(DINGTALK_TOPIC_CARD, async () => {
      runs += 1;
      return undefined;
    });
    try {
      await connection.start();
      const pushed = fake.gateway.push(DINGTALK_TOPIC_CARD, {});
      await waitFor('the first delivery', () => (fake.gateway.deliveries(pushed.messageId) === 1 ? true : undefined));
      await sleep(100);
      expect(runs).toBe(0);
      expect(fake.gateway.unacked()).toEqual([pushed.messageId]);
      storeDown = false;
      await pushed.ack();
      expect(runs).toBe(1);
    } finally {
      await connection.stop();
      redis.disconnect();
    }
  });

  it('refuses bad options and handlers registered after start', async () => {
    const { fake, connection } = await worlds.world();
    const options = { clientId: 'id', clientSecret: 'secret', apiBaseUrl: fake.apiBaseUrl, logger: createLogger('silent'), deduper: { firstSeen: async () => true } };
    expect(() => new DingTalkStreamConnection({ ...options, clientSecret: '' })).toThrow(/client id and a client secret/);
    expect(() => new DingTalkStreamConnection({ ...options, deadLinkMs: 0 })).toThrow(/deadLinkMs/);
    await connection.start();
    expect(() => connection.on(DINGTALK_TOPIC_CARD, async () => undefined)).toThrow(/before start/);
  });

  it('stop() closes the socket, cancels every timer it started, and does not come back', async () => {
    const { fake, connection } = await worlds.world({ connection: { deadLinkMs: 400 } });
    connection.on(DINGTALK_TOPIC_CARD, async () => undefined);
    const timersBefore = activeTimers();
    await connection.start();
    await waitFor('the connection to open', () => (connection.state === 'open' ? true : undefined));
    await fake.gateway.push(DINGTALK_TOPIC_CARD, {}).ack();
    await connection.stop();
    expect(connection.state).toBe('stopped');
    expect(connection.liveSockets).toBe(0);
    await waitFor('the gateway to see the close', () => (fake.gateway.liveSockets === 0 ? true : undefined), 1_000);
    // Other parts of the test (the fake, Redis) may have timers of their own running; none of the connection's is left.
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    await sleep(300);
    expect(fake.gateway.connections).toHaveLength(1);

    // Stopping in the middle of a hanging handshake returns at once and leaves no socket.
    const hung = await worlds.world();
    hung.connection.on(DINGTALK_TOPIC_CARD, async () => undefined);
    hung.fake.gateway.stallHandshakes(1);
    await hung.connection.start();
    await waitFor('the stalled handshake', () => (hung.fake.gateway.stalledHandshakes === 1 ? true : undefined));
    const stopping = Date.now();
    await hung.connection.stop();
    expect(Date.now() - stopping).toBeLessThan(500);
    await sleep(200);
    expect(hung.fake.gateway.connections).toHaveLength(0);
    expect(hung.connection.liveSockets).toBe(0);

    // Stopping while it waits between refused attempts returns at once too.
    const retrying = (await worlds.world()).another({ reconnectDelay: { initialMs: 10_000, maxMs: 10_000 }, clientSecret: 'wrong' });
    await retrying.start();
    await sleep(100);
    const started = Date.now();
    await retrying.stop();
    expect(Date.now() - started).toBeLessThan(500);
  });
});

/** Timers keeping the event loop alive (unref'd ones, such as fetch's timeout, do not count). */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}
