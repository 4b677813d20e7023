/**
 * DingTalk's Stream-mode gateway, as the real `dingtalk-stream` client sees it:
 *
 *   - `POST /v1.0/gateway/connections/open` with `{clientId, clientSecret, ua, subscriptions}` answers
 *     `{endpoint, ticket}` (JSON only with `Accept: application/json`, XML otherwise, as the real one does).
 *     Wrong credentials: HTTP 401 `{requestid, code:'authFailed', message:'鉴权失败'}`; a missing field: HTTP 400
 *     `{requestid, code:'Missing<field>', message}`.
 *   - The WebSocket upgrade at `<endpoint>?ticket=…`; a ticket opens one connection, once, within 90 s. A bad ticket
 *     is refused with HTTP 401 (this fake's choice; DingTalk does not document it).
 *   - Frames down: `{specVersion:'1.0', type:'SYSTEM'|'EVENT'|'CALLBACK', headers:{appId, connectionId, contentType,
 *     messageId, time, topic, …}, data:'<JSON string>'}`; SYSTEM topics `ping` (answered with the same headers and
 *     data) and `disconnect` (the gateway closes the connection a little later).
 *   - Acks up: `{code:200, headers:{contentType, messageId}, message:'OK', data:'<JSON string>'}`; a callback's data is
 *     `{response: …}`, an event's `{status:'SUCCESS'|'LATER', message}`. An ack counts only on the connection the frame
 *     was delivered on. Unacked frames (and events answered LATER) are re-delivered under the same messageId after
 *     `redeliverAfterMs` (DingTalk: about 60 s), to whichever connection is live then.
 *   - WebSocket pings are answered with pongs, unless the connection was made silent.
 *
 * Controls for tests: push frames and await their acks, ping, disconnect, drop connections, refuse or stall the next N
 * handshakes, go silent, count live sockets; every frame in both directions is recorded.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export const GATEWAY_OPEN_PATH = '/v1.0/gateway/connections/open';
const CONNECT_PATH = '/connect';
const TICKET_TTL_MS = 90_000;

export interface FakeDingTalkApp {
  clientId: string;
  clientSecret: string;
  /** The app id the gateway puts in frame headers. */
  appId: string;
}

export interface FakeDingTalkGatewayOptions {
  apps?: FakeDingTalkApp[];
  /** How long the gateway waits for an ack before sending the frame again; DingTalk waits about 60 s. */
  redeliverAfterMs?: number;
  /** How long after SYSTEM `disconnect` the gateway closes the connection; DingTalk: about 10 s. */
  disconnectGraceMs?: number;
}

export type FrameType = 'SYSTEM' | 'EVENT' | 'CALLBACK';

export interface DownFrame {
  specVersion: '1.0';
  type: FrameType;
  headers: Record<string, string>;
  data: string;
}

export interface RecordedFrame {
  direction: 'down' | 'up';
  connectionId: string;
  at: number;
  /** The frame as sent (down) or as parsed (up; a string when it was not JSON). */
  frame: unknown;
}

export interface GatewayAck {
  messageId: string;
  code: number;
  message: string;
  /** The ack's `data`, JSON-parsed (a callback's is `{response}`). */
  data: unknown;
  connectionId: string;
  at: number;
}

export interface GatewayConnection {
  id: string;
  clientId: string;
  ua: string;
  subscriptions: Array<{ type: string; topic: string }>;
  openedAt: number;
  closedAt?: number;
  silent: boolean;
}

export interface OpenRequestRecord {
  clientId: string;
  ua: string;
  subscriptions: Array<{ type: string; topic: string }>;
  accept: string;
  status: number;
  at: number;
}

export type HandshakeOutcome = 'accept' | 'refuse' | 'stall';

export interface PushOptions {
  type?: 'CALLBACK' | 'EVENT';
  /** Re-use an id, as a re-delivery does. */
  messageId?: string;
  /** The app to push to; the first one by default. */
  clientId?: string;
  /** Send this exact `data` string instead of JSON-encoding `data` (for malformed-frame tests). */
  rawData?: string;
}

export interface PushedFrame {
  messageId: string;
  /** Resolves with the first ack, rejects after `timeoutMs` without one. */
  ack(timeoutMs?: number): Promise<GatewayAck>;
}

interface Ticket {
  clientId: string;
  ua: string;
  subscriptions: Array<{ type: string; topic: string }>;
  expiresAt: number;
}

interface Pending {
  frame: DownFrame;
  clientId: string;
  acks: GatewayAck[];
  deliveredOn: Set<string>;
  deliveries: number;
  timer?: NodeJS.Timeout;
  waiters: Array<(ack: GatewayAck) => void>;
}

interface Live {
  connection: GatewayConnection;
  ws: WebSocket;
}

export class FakeDingTalkGateway {
  readonly apps: FakeDingTalkApp[];
  readonly frames: RecordedFrame[] = [];
  readonly acks: GatewayAck[] = [];
  readonly connections: GatewayConnection[] = [];
  readonly openRequests: OpenRequestRecord[] = [];
  /** Handshakes refused by `refuseHandshakes()` or for a bad ticket. */
  refusedHandshakes = 0;
  /** Handshakes left hanging by `stallHandshakes()`. */
  stalledHandshakes = 0;
  private readonly redeliverAfterMs: number;
  private readonly disconnectGraceMs: number;
  private readonly tickets = new Map<string, Ticket>();
  private readonly live = new Map<string, Live>();
  private readonly pending = new Map<string, Pending>();
  private readonly pongWaiters = new Map<string, () => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wss = new WebSocketServer({ noServer: true, autoPong: false });
  /** What happens to the next handshakes, in order; empty = accept. */
  private handshakePlan: HandshakeOutcome[] = [];
  private refuseStatus = 503;
  private readonly stalled = new Set<Duplex>();
  private nextConnection = 0;
  private closed = false;

  constructor(options: FakeDingTalkGatewayOptions = {}) {
    this.apps = options.apps ?? [{ clientId: 'dingfakeclientid', clientSecret: 'fake-client-secret', appId: 'fake-app-id' }];
    this.redeliverAfterMs = options.redeliverAfterMs ?? 60_000;
    this.disconnectGraceMs = options.disconnectGraceMs ?? 10_000;
  }

  /** Serves `connections/open`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = new URL(req.url ?? '/', 'http://fake.dingtalk').pathname;
    if (req.method !== 'POST' || path !== GATEWAY_OPEN_PATH) return false;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => this.open(req, res, Buffer.concat(chunks).toString('utf8')));
    return true;
  }

  /** Serves the WebSocket upgrade at the endpoint `connections/open` hands out. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(server, req, socket, head));
  }

  /** Pushes a CALLBACK (default) or EVENT frame; it is delivered now, or as soon as a connection can take it. */
  push(topic: string, data: unknown, options: PushOptions = {}): PushedFrame {
    const app = this.app(options.clientId);
    const type = options.type ?? 'CALLBACK';
    const messageId = options.messageId ?? randomUUID();
    const headers: Record<string, string> = {
      appId: app.appId,
      connectionId: '',
      contentType: 'application/json',
      messageId,
      time: String(Date.now()),
      topic,
    };
    if (type === 'EVENT') {
      Object.assign(headers, {
        eventType: topic,
        eventBornTime: String(Date.now()),
        eventId: randomUUID(),
        eventCorpId: 'ding-fake-corp',
        eventUnifiedAppId: app.appId,
      });
    }
    const frame: DownFrame = { specVersion: '1.0', type, headers, data: options.rawData ?? JSON.stringify(data) };
    const entry: Pending = this.pending.get(messageId) ?? { frame, clientId: app.clientId, acks: [], deliveredOn: new Set(), deliveries: 0, waiters: [] };
    entry.frame = frame;
    this.pending.set(messageId, entry);
    this.deliver(entry);
    return { messageId, ack: (timeoutMs = 5_000) => this.waitForAck(messageId, timeoutMs) };
  }

  /** How often a message was sent down (first delivery plus re-deliveries). */
  deliveries(messageId: string): number {
    return this.pending.get(messageId)?.deliveries ?? 0;
  }

  /** Ids of pushed messages nobody has acknowledged yet. */
  unacked(): string[] {
    return [...this.pending.entries()].filter(([, entry]) => !this.settled(entry)).map(([id]) => id);
  }

  /** Sends SYSTEM ping on every live, answering connection; resolves with their count once each has ponged. */
  async ping(timeoutMs = 2_000): Promise<number> {
    const targets = this.answering();
    await Promise.all(
      targets.map(({ connection, ws }) => {
        const messageId = randomUUID();
        const answered = new Promise<void>((resolve, reject) => {
          const timer = this.timer(() => {
            this.pongWaiters.delete(messageId);
            reject(new Error(`fake dingtalk gateway: no pong on ${connection.id} within ${timeoutMs} ms`));
          }, timeoutMs);
          this.pongWaiters.set(messageId, () => {
            this.clearTimer(timer);
            resolve();
          });
        });
        this.send(connection, ws, this.systemFrame(connection, 'ping', { opaque: randomUUID() }, messageId));
        return answered;
      }),
    );
    return targets.length;
  }

  /** Sends SYSTEM disconnect on every live connection and closes them after the grace period. */
  disconnect(graceMs = this.disconnectGraceMs): void {
    for (const { connection, ws } of this.answering()) {
      this.send(connection, ws, this.systemFrame(connection, 'disconnect', { reason: 'gateway restarting' }));
      this.timer(() => ws.close(1000, 'disconnect'), graceMs);
    }
  }

  /** Any other SYSTEM topic (CONNECTED, REGISTERED, KEEPALIVE). */
  system(topic: string, data: unknown = {}): void {
    for (const { connection, ws } of this.answering()) this.send(connection, ws, this.systemFrame(connection, topic, data));
  }

  /** Sends `text` as it is on every live, answering connection (for malformed-frame tests). */
  sendRaw(text: string): void {
    for (const { connection, ws } of this.answering()) {
      this.frames.push({ direction: 'down', connectionId: connection.id, at: Date.now(), frame: text });
      ws.send(text);
    }
  }

  /** Cuts every live connection (or only `connectionId`) without a close frame, as a network failure does. */
  dropConnections(connectionId?: string): void {
    for (const { connection, ws } of this.live.values()) if (connectionId === undefined || connection.id === connectionId) ws.terminate();
  }

  /** Refuses the next `count` WebSocket handshakes with `status` (after `connections/open` succeeded). */
  refuseHandshakes(count: number, status = 503): void {
    this.planHandshakes(Array(count).fill('refuse'), status);
  }

  /** Decides the next handshakes one by one, in the order they arrive; after the plan, handshakes are accepted. */
  planHandshakes(outcomes: HandshakeOutcome[], refuseStatus = 503): void {
    this.handshakePlan = [...outcomes];
    this.refuseStatus = refuseStatus;
  }

  /** Leaves the next `count` WebSocket handshakes unanswered (the TCP connection stays open), like a hung gateway. */
  stallHandshakes(count: number): void {
    this.planHandshakes(Array(count).fill('stall'));
  }

  /** The live connections stop answering anything (frames, acks, WebSocket pings) and stop sending, like a dead link. */
  goSilent(): void {
    for (const { connection } of this.live.values()) connection.silent = true;
  }

  /** Open sockets, silent ones included. */
  get liveSockets(): number {
    return this.live.size;
  }

  liveConnections(): GatewayConnection[] {
    return [...this.live.values()].map(({ connection }) => connection);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    for (const { ws } of this.live.values()) ws.terminate();
    for (const socket of this.stalled) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private app(clientId?: string): FakeDingTalkApp {
    const app = clientId === undefined ? this.apps[0] : this.apps.find((candidate) => candidate.clientId === clientId);
    if (!app) throw new Error(`fake dingtalk gateway: no app ${clientId}`);
    return app;
  }

  private open(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const accept = String(req.headers.accept ?? '');
    const answer = (status: number, body: Record<string, string>): void => {
      this.openRequests.push({
        clientId: String(parsed?.clientId ?? ''),
        ua: String(parsed?.ua ?? ''),
        subscriptions: Array.isArray(parsed?.subscriptions) ? parsed.subscriptions : [],
        accept,
        status,
        at: Date.now(),
      });
      if (accept.includes('application/json')) {
        res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' }).end(JSON.stringify(body));
      } else {
        const fields = Object.entries(body).map(([key, value]) => `<${key}>${value}</${key}>`).join('');
        res.writeHead(status, { 'Content-Type': 'application/xml;charset=utf-8' }).end(`<?xml version="1.0" encoding="UTF-8"?><root>${fields}</root>`);
      }
    };
    let parsed: { clientId?: unknown; clientSecret?: unknown; ua?: unknown; subscriptions?: any } | undefined;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const requestid = randomUUID().toUpperCase();
    if (!parsed || typeof parsed !== 'object') return answer(400, { requestid, code: 'InvalidParameter', message: 'body is not valid JSON' });
    for (const field of ['clientId', 'clientSecret'] as const) {
      if (typeof parsed[field] !== 'string' || parsed[field] === '') {
        return answer(400, { requestid, code: `Missing${field}`, message: `${field} is mandatory for this action.` });
      }
    }
    if (!Array.isArray(parsed.subscriptions) || parsed.subscriptions.length === 0) {
      return answer(400, { requestid, code: 'Missingsubscriptions', message: 'subscriptions is mandatory for this action.' });
    }
    const app = this.apps.find((candidate) => candidate.clientId === parsed!.clientId && candidate.clientSecret === parsed!.clientSecret);
    if (!app) return answer(401, { requestid, code: 'authFailed', message: '鉴权失败' });
    const ticket = randomUUID();
    this.tickets.set(ticket, {
      clientId: app.clientId,
      ua: String(parsed.ua ?? ''),
      subscriptions: parsed.subscriptions.map((s: { type?: unknown; topic?: unknown }) => ({ type: String(s?.type), topic: String(s?.topic) })),
      expiresAt: Date.now() + TICKET_TTL_MS,
    });
    answer(200, { endpoint: `ws://${req.headers.host}${CONNECT_PATH}`, ticket });
  }

  private upgrade(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake.dingtalk');
    if (url.pathname !== CONNECT_PATH) {
      // Someone else's upgrade, when the fake shares its server; otherwise nobody answers it.
      if (server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const ticketId = url.searchParams.get('ticket') ?? '';
    const ticket = this.tickets.get(ticketId);
    this.tickets.delete(ticketId);
    if (this.closed || !ticket || ticket.expiresAt < Date.now()) {
      this.refusedHandshakes += 1;
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const outcome = this.handshakePlan.shift() ?? 'accept';
    if (outcome === 'stall') {
      this.stalledHandshakes += 1;
      this.stalled.add(socket);
      socket.on('close', () => this.stalled.delete(socket));
      return;
    }
    if (outcome === 'refuse') {
      this.refusedHandshakes += 1;
      socket.end(`HTTP/1.1 ${this.refuseStatus} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket));
  }

  private accept(ws: WebSocket, ticket: Ticket): void {
    this.nextConnection += 1;
    const connection: GatewayConnection = {
      id: `conn-${this.nextConnection}-${randomBytes(3).toString('hex')}`,
      clientId: ticket.clientId,
      ua: ticket.ua,
      subscriptions: ticket.subscriptions,
      openedAt: Date.now(),
      silent: false,
    };
    this.connections.push(connection);
    this.live.set(connection.id, { connection, ws });
    ws.on('ping', (data) => {
      if (!connection.silent) ws.pong(data);
    });
    ws.on('message', (data, isBinary) => {
      if (connection.silent || isBinary) return;
      this.receive(connection, data.toString());
    });
    ws.on('close', () => {
      connection.closedAt = Date.now();
      this.live.delete(connection.id);
    });
    // Frames that waited for a connection (none was live when pushed) go out now.
    for (const entry of this.pending.values()) {
      if (entry.deliveries === 0 && entry.clientId === connection.clientId) this.deliver(entry);
    }
  }

  private receive(connection: GatewayConnection, text: string): void {
    let frame: any;
    try {
      frame = JSON.parse(text);
    } catch {
      this.frames.push({ direction: 'up', connectionId: connection.id, at: Date.now(), frame: text });
      return;
    }
    this.frames.push({ direction: 'up', connectionId: connection.id, at: Date.now(), frame });
    const messageId = frame?.headers?.messageId;
    if (typeof messageId !== 'string') return;
    const pong = this.pongWaiters.get(messageId);
    if (pong) {
      this.pongWaiters.delete(messageId);
      pong();
      return;
    }
    const entry = this.pending.get(messageId);
    if (!entry || !entry.deliveredOn.has(connection.id)) return;
    let data: unknown;
    try {
      data = typeof frame.data === 'string' ? JSON.parse(frame.data) : frame.data;
    } catch {
      data = frame.data;
    }
    const ack: GatewayAck = { messageId, code: Number(frame.code), message: String(frame.message ?? ''), data, connectionId: connection.id, at: Date.now() };
    this.acks.push(ack);
    entry.acks.push(ack);
    if (!this.settled(entry)) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    for (const waiter of entry.waiters.splice(0)) waiter(ack);
  }

  /** Acked with code 200, and for an event not asked to come back later. */
  private settled(entry: Pending): boolean {
    const last = entry.acks.at(-1);
    if (!last || last.code !== 200) return false;
    return !(entry.frame.type === 'EVENT' && (last.data as { status?: string } | undefined)?.status === 'LATER');
  }

  private deliver(entry: Pending): void {
    if (this.closed || this.settled(entry)) return;
    const targets = this.answering().filter(({ connection }) => connection.clientId === entry.clientId && this.subscribed(connection, entry.frame));
    if (targets.length > 0) {
      // Round robin across the app's connections, as the gateway spreads pushes.
      const { connection, ws } = targets[entry.deliveries % targets.length];
      const frame: DownFrame = { ...entry.frame, headers: { ...entry.frame.headers, connectionId: connection.id } };
      entry.deliveries += 1;
      entry.deliveredOn.add(connection.id);
      this.send(connection, ws, frame);
    }
    clearTimeout(entry.timer);
    // Nothing live: the frame waits for the next connection (accept()) and for the re-delivery timer.
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.deliver(entry);
    }, this.redeliverAfterMs);
  }

  private subscribed(connection: GatewayConnection, frame: DownFrame): boolean {
    return connection.subscriptions.some((s) => s.type === frame.type && (s.topic === frame.headers.topic || s.topic === '*'));
  }

  private answering(): Live[] {
    return [...this.live.values()].filter(({ connection, ws }) => !connection.silent && ws.readyState === ws.OPEN);
  }

  private systemFrame(connection: GatewayConnection, topic: string, data: unknown, messageId = randomUUID()): DownFrame {
    const app = this.app(connection.clientId);
    return {
      specVersion: '1.0',
      type: 'SYSTEM',
      headers: { appId: app.appId, connectionId: connection.id, contentType: 'application/json', messageId, time: String(Date.now()), topic },
      data: JSON.stringify(data),
    };
  }

  private send(connection: GatewayConnection, ws: WebSocket, frame: DownFrame): void {
    this.frames.push({ direction: 'down', connectionId: connection.id, at: Date.now(), frame });
    ws.send(JSON.stringify(frame));
  }

  private waitForAck(messageId: string, timeoutMs: number): Promise<GatewayAck> {
    const entry = this.pending.get(messageId);
    if (!entry) return Promise.reject(new Error(`fake dingtalk gateway: ${messageId} was never pushed`));
    if (this.settled(entry)) return Promise.resolve(entry.acks.at(-1)!);
    return new Promise((resolve, reject) => {
      const timer = this.timer(() => {
        entry.waiters.splice(entry.waiters.indexOf(onAck), 1);
        reject(new Error(`fake dingtalk gateway: ${messageId} not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAck = (ack: GatewayAck): void => {
        this.clearTimer(timer);
        resolve(ack);
      };
      entry.waiters.push(onAck);
    });
  }

  private timer(run: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }
}

export interface RunningFakeDingTalkGateway {
  gateway: FakeDingTalkGateway;
  /** What the app is configured with as DingTalk's OpenAPI base URL. */
  apiBaseUrl: string;
  server: Server;
  close(): Promise<void>;
}

/** The gateway on its own HTTP server at 127.0.0.1 (the full fake DingTalk composes it with the OpenAPI instead). */
export async function startFakeDingTalkGateway(options: FakeDingTalkGatewayOptions = {}): Promise<RunningFakeDingTalkGateway> {
  const gateway = new FakeDingTalkGateway(options);
  const server = createServer((req, res) => {
    if (gateway.handle(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'InvalidAction.NotFound', message: 'Specified api is not found' }));
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    gateway,
    apiBaseUrl: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
