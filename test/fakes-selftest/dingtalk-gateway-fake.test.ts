/** The fake DingTalk Stream gateway, checked with plain HTTP and a plain WebSocket client, frame by frame. */
import { WebSocket } from 'ws';
import { waitFor } from '../support/feishu-app-helpers.js';
import { GATEWAY_OPEN_PATH, startFakeDingTalkGateway, type RunningFakeDingTalkGateway } from '../fakes/dingtalk-gateway.js';

const SUBSCRIPTIONS = [{ type: 'CALLBACK', topic: '/v1.0/card/instances/callback' }];

describe('fake DingTalk Stream gateway', () => {
  let fake: RunningFakeDingTalkGateway;
  const sockets: WebSocket[] = [];
  beforeEach(async () => {
    fake = await startFakeDingTalkGateway({ redeliverAfterMs: 150, disconnectGraceMs: 50 });
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await fake.close();
  });

  const app = () => fake.gateway.apps[0];
  const open = (body: unknown, accept = 'application/json') =>
    fetch(`${fake.apiBaseUrl}${GATEWAY_OPEN_PATH}`, { method: 'POST', headers: { Accept: accept, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const credentials = () => ({ clientId: app().clientId, clientSecret: app().clientSecret, ua: 'selftest', subscriptions: SUBSCRIPTIONS });

  async function connect(): Promise<{ socket: WebSocket; frames: any[] }> {
    const { endpoint, ticket } = (await (await open(credentials())).json()) as { endpoint: string; ticket: string };
    const socket = new WebSocket(`${endpoint}?ticket=${ticket}`);
    sockets.push(socket);
    const frames: any[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return { socket, frames };
  }

  const handshakeStatus = (url: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(url);
      socket.on('error', () => undefined);
      socket.once('unexpected-response', (req, res) => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
    });

  it('connections/open answers {endpoint, ticket} in JSON, XML without Accept json, and the real errors', async () => {
    const ok = await open(credentials());
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Record<string, string>;
    expect(body.endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/connect$/);
    expect(body.ticket).toMatch(/^[0-9a-f-]{36}$/);

    const xml = await open(credentials(), '*/*');
    expect(xml.headers.get('content-type')).toContain('xml');
    expect(await xml.text()).toMatch(/<endpoint>ws:\/\/.*<\/endpoint><ticket>[0-9a-f-]{36}<\/ticket>/);

    const wrong = await open({ ...credentials(), clientSecret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'authFailed', message: '鉴权失败', requestid: expect.any(String) });

    const missing = await open({ clientSecret: 'x', subscriptions: SUBSCRIPTIONS });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'MissingclientId' });

    expect(fake.gateway.openRequests.map((request) => request.status)).toEqual([200, 200, 401, 400]);
    expect(JSON.stringify(fake.gateway.openRequests)).not.toContain(app().clientSecret);
  });

  it('a ticket opens one connection once; a bad ticket and refused handshakes are answered with HTTP errors', async () => {
    const { endpoint, ticket } = (await (await open(credentials())).json()) as { endpoint: string; ticket: string };
    const first = new WebSocket(`${endpoint}?ticket=${ticket}`);
    sockets.push(first);
    await new Promise((resolve) => first.once('open', resolve));
    expect(await handshakeStatus(`${endpoint}?ticket=${ticket}`)).toBe(401);
    expect(await handshakeStatus(`${endpoint}?ticket=made-up`)).toBe(401);

    fake.gateway.refuseHandshakes(1, 502);
    const next = (await (await open(credentials())).json()) as { endpoint: string; ticket: string };
    expect(await handshakeStatus(`${next.endpoint}?ticket=${next.ticket}`)).toBe(502);
    expect(fake.gateway.refusedHandshakes).toBe(3);
    expect(fake.gateway.liveSockets).toBe(1);
  });

  it('planned handshakes happen in arrival order: a stalled one gets no answer, then refused, then accepted', async () => {
    fake.gateway.planHandshakes(['stall', 'refuse']);
    const ticket = async () => {
      const { endpoint, ticket } = (await (await open(credentials())).json()) as { endpoint: string; ticket: string };
      return `${endpoint}?ticket=${ticket}`;
    };
    const stalled = new WebSocket(await ticket(), { handshakeTimeout: 150 });
    const stalledError = new Promise<Error>((resolve) => stalled.once('error', resolve));
    await waitFor('the stalled handshake', () => (fake.gateway.stalledHandshakes === 1 ? true : undefined));
    expect((await stalledError).message).toMatch(/Opening handshake has timed out/);
    expect(await handshakeStatus(await ticket())).toBe(503);
    const accepted = new WebSocket(await ticket());
    sockets.push(accepted);
    await new Promise((resolve) => accepted.once('open', resolve));
    expect(fake.gateway.liveSockets).toBe(1);
  });

  it('pushes CALLBACK frames in the real format and resolves the ack on the connection it went to', async () => {
    const { socket, frames } = await connect();
    const pushed = fake.gateway.push('/v1.0/card/instances/callback', { outTrackId: 'track-1', userId: 'u1' });
    await waitFor('frames.length === 1', () => (frames.length === 1) || undefined);
    const frame = frames[0];
    expect(frame).toEqual({
      specVersion: '1.0',
      type: 'CALLBACK',
      headers: {
        appId: app().appId,
        connectionId: fake.gateway.liveConnections()[0].id,
        contentType: 'application/json',
        messageId: pushed.messageId,
        time: expect.stringMatching(/^\d{13}$/),
        topic: '/v1.0/card/instances/callback',
      },
      data: JSON.stringify({ outTrackId: 'track-1', userId: 'u1' }),
    });
    socket.send(JSON.stringify({ code: 200, headers: { contentType: 'application/json', messageId: pushed.messageId }, message: 'OK', data: JSON.stringify({ response: { cardData: { cardParamMap: { status: 'acked' } } } }) }));
    const ack = await pushed.ack();
    expect(ack).toMatchObject({ messageId: pushed.messageId, code: 200, message: 'OK', data: { response: { cardData: { cardParamMap: { status: 'acked' } } } } });
    expect(fake.gateway.unacked()).toEqual([]);
    expect(fake.gateway.frames.map((recorded) => recorded.direction)).toEqual(['down', 'up']);
  });

  it('re-delivers an unacked frame under the same messageId; an ack on another connection does not count', async () => {
    const one = await connect();
    const pushed = fake.gateway.push('/v1.0/card/instances/callback', { n: 1 });
    await waitFor('one.frames.length === 1', () => (one.frames.length === 1) || undefined);
    one.socket.terminate();
    await waitFor('fake.gateway.liveSockets === 0', () => (fake.gateway.liveSockets === 0) || undefined);
    const two = await connect();
    await waitFor('two.frames.length === 1', () => (two.frames.length === 1) || undefined);
    expect(two.frames[0].headers.messageId).toBe(pushed.messageId);
    expect(fake.gateway.deliveries(pushed.messageId)).toBe(2);

    const three = await connect();
    three.socket.send(JSON.stringify({ code: 200, headers: { messageId: pushed.messageId }, message: 'OK', data: '{}' }));
    await expect(pushed.ack(100)).rejects.toThrow(/not acknowledged/);
    two.socket.send(JSON.stringify({ code: 200, headers: { messageId: pushed.messageId }, message: 'OK', data: '{}' }));
    await expect(pushed.ack()).resolves.toMatchObject({ connectionId: fake.gateway.connections[1].id });
  });

  it('EVENT frames carry the event headers; an event answered LATER comes again', async () => {
    const { socket, frames } = await connect();
    // This connection subscribed to callbacks only: an event is held until a subscriber connects.
    const pushed = fake.gateway.push('chat_update_title', { title: 't' }, { type: 'EVENT' });
    await sleep(50);
    expect(frames).toHaveLength(0);
    const ticket = (await (await open({ ...credentials(), subscriptions: [{ type: 'EVENT', topic: '*' }] })).json()) as { endpoint: string; ticket: string };
    const subscriber = new WebSocket(`${ticket.endpoint}?ticket=${ticket.ticket}`);
    sockets.push(subscriber);
    const events: any[] = [];
    subscriber.on('message', (data) => events.push(JSON.parse(data.toString())));
    await waitFor('events.length === 1', () => (events.length === 1) || undefined);
    expect(events[0].headers).toMatchObject({ topic: 'chat_update_title', eventType: 'chat_update_title', eventId: expect.any(String), eventBornTime: expect.any(String) });
    subscriber.send(JSON.stringify({ code: 200, headers: { messageId: pushed.messageId }, message: 'OK', data: JSON.stringify({ status: 'LATER' }) }));
    await waitFor('events.length === 2', () => (events.length === 2) || undefined);
    subscriber.send(JSON.stringify({ code: 200, headers: { messageId: pushed.messageId }, message: 'OK', data: JSON.stringify({ status: 'SUCCESS' }) }));
    await expect(pushed.ack()).resolves.toMatchObject({ data: { status: 'SUCCESS' } });
    socket.close();
  });

  it('SYSTEM ping waits for the pong; disconnect closes the connection after its grace; silence stops pongs and frames', async () => {
    const { socket, frames } = await connect();
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.type === 'SYSTEM' && frame.headers.topic === 'ping') socket.send(JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data }));
    });
    await expect(fake.gateway.ping()).resolves.toBe(1);
    expect(frames[0]).toMatchObject({ type: 'SYSTEM', headers: { topic: 'ping' }, data: expect.stringContaining('opaque') });

    const pong = new Promise((resolve) => socket.once('pong', resolve));
    socket.ping();
    await pong;

    fake.gateway.goSilent();
    let silentPong = false;
    socket.once('pong', () => (silentPong = true));
    socket.ping();
    fake.gateway.push('/v1.0/card/instances/callback', {});
    await sleep(100);
    expect(silentPong).toBe(false);
    expect(frames).toHaveLength(1);
    expect(fake.gateway.liveSockets).toBe(1);

    const second = await connect();
    fake.gateway.disconnect();
    await waitFor('the disconnect frame', () => (second.frames.some((frame) => frame.headers.topic === 'disconnect')) || undefined);
    await waitFor('second.socket.readyState === WebSocket.CLOSED', () => (second.socket.readyState === WebSocket.CLOSED) || undefined);
  });

  it('dropConnections cuts every live socket', async () => {
    const { socket } = await connect();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    fake.gateway.dropConnections();
    await closed;
    await waitFor('fake.gateway.liveSockets === 0', () => (fake.gateway.liveSockets === 0) || undefined);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

