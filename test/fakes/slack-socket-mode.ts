/**
 * Slack's Socket Mode server side, for the fake Web API (`startFakeSlack`), which serves it on its own port:
 *
 *   - `apps.connections.open` (authorised by the app-level `xapp-` token) answers `{ok:true, url}` with
 *     `url = ws://127.0.0.1:<port>/link/?ticket=<ticket>`; every ticket opens one connection, once.
 *     A WebSocket upgrade without a valid ticket is refused with HTTP 401 (this fake's choice; Slack does not document it).
 *   - On connect the server speaks first: `{type:'hello', num_connections, debug_info:{host, build_number,
 *     approximate_connection_time}, connection_info:{app_id}}`.
 *   - Then envelopes: `{envelope_id, type:'slash_commands'|'interactive'|'events_api', payload,
 *     accepts_response_payload, retry_attempt?, retry_reason?}`; slash command payloads are the form fields as an object.
 *   - The app acknowledges an envelope by sending `{envelope_id, payload?}`; acks are recorded with their payload
 *     (for a slash command Slack would show it to the caller).
 *   - `disconnect` messages (`{type:'disconnect', reason}`) ask the client to reconnect; pings are answered with pongs.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

export interface SocketAck {
  envelopeId: string;
  /** The ack's payload, when the app sent one. */
  payload?: Record<string, any>;
  /** ms since epoch */
  at: number;
  connectionId: string;
}

export interface SentEnvelope {
  envelopeId: string;
  type: EnvelopeType;
  payload: Record<string, any>;
  retryAttempt: number;
  sentAt: number;
  connectionId: string;
}

export interface FakeSocketConnection {
  id: string;
  ticket: string;
  openedAt: number;
  closedAt?: number;
  closeCode?: number;
  /** Every JSON message the app sent. */
  received: any[];
}

export interface DeliverOptions {
  /** Re-deliver an envelope under its old id. */
  envelopeId?: string;
  retryAttempt?: number;
  retryReason?: string;
  /** Default: true for slash commands, false otherwise (Slack's values). */
  acceptsResponsePayload?: boolean;
  /** How long to wait for the ack; default 3000 ms, Slack's deadline. */
  ackTimeoutMs?: number;
}

export interface Delivery {
  envelope: SentEnvelope;
  /** Undefined when the app did not acknowledge within the deadline. */
  ack?: SocketAck;
}

const LINK_PATH = '/link/';

export class FakeSocketMode {
  readonly connections: FakeSocketConnection[] = [];
  readonly envelopes: SentEnvelope[] = [];
  readonly acks: SocketAck[] = [];
  private readonly tickets = new Set<string>();
  private readonly sockets = new Map<string, WebSocket>();
  private readonly ackWaiters = new Map<string, (ack: SocketAck) => void>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private origin = '';

  constructor(private readonly appId: () => string) {}

  /** Serves `/link/` upgrades on the fake's HTTP server. */
  attach(server: Server, origin: string): void {
    this.origin = origin.replace(/^http/, 'ws');
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** A fresh connection URL, as `apps.connections.open` hands out. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.origin}${LINK_PATH}?ticket=${ticket}`;
  }

  openConnections(): FakeSocketConnection[] {
    return this.connections.filter((connection) => connection.closedAt === undefined);
  }

  /** Sends an envelope on an open connection (the newest) and waits for its ack. */
  async deliver(type: EnvelopeType, payload: Record<string, any>, options: DeliverOptions = {}): Promise<Delivery> {
    const connection = this.openConnections().at(-1);
    if (!connection) throw new Error('fake socket mode: no open connection');
    const envelope: SentEnvelope = {
      envelopeId: options.envelopeId ?? randomUUID(),
      type,
      payload,
      retryAttempt: options.retryAttempt ?? 0,
      sentAt: Date.now(),
      connectionId: connection.id,
    };
    this.envelopes.push(envelope);
    const acked = new Promise<SocketAck | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.ackWaiters.delete(envelope.envelopeId);
        resolve(undefined);
      }, options.ackTimeoutMs ?? 3000);
      this.ackWaiters.set(envelope.envelopeId, (ack) => {
        clearTimeout(timer);
        this.ackWaiters.delete(envelope.envelopeId);
        resolve(ack);
      });
    });
    const message: Record<string, unknown> = {
      envelope_id: envelope.envelopeId,
      payload,
      type,
      accepts_response_payload: options.acceptsResponsePayload ?? type === 'slash_commands',
    };
    if (type === 'events_api') {
      message.retry_attempt = envelope.retryAttempt;
      message.retry_reason = options.retryReason ?? (envelope.retryAttempt > 0 ? 'timeout' : '');
    } else if (envelope.retryAttempt > 0) {
      message.retry_attempt = envelope.retryAttempt;
      message.retry_reason = options.retryReason ?? 'timeout';
    }
    this.sockets.get(connection.id)!.send(JSON.stringify(message));
    return { envelope, ack: await acked };
  }

  /** Asks every open connection to reconnect, as Slack does before recycling a server. */
  requestRefresh(): void {
    for (const socket of this.sockets.values()) socket.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'applink-fake' } }));
  }

  close(): void {
    for (const socket of this.sockets.values()) socket.terminate();
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake.slack');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== LINK_PATH || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket));
  }

  private accept(ws: WebSocket, ticket: string): void {
    const connection: FakeSocketConnection = { id: randomBytes(6).toString('hex'), ticket, openedAt: Date.now(), received: [] };
    this.connections.push(connection);
    this.sockets.set(connection.id, ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: any;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      connection.received.push(message);
      if (typeof message?.envelope_id !== 'string') return;
      const ack: SocketAck = { envelopeId: message.envelope_id, at: Date.now(), connectionId: connection.id };
      if (message.payload && Object.keys(message.payload).length > 0) ack.payload = message.payload;
      this.acks.push(ack);
      this.ackWaiters.get(ack.envelopeId)?.(ack);
    });
    ws.on('close', (code) => {
      connection.closedAt = Date.now();
      connection.closeCode = code;
      this.sockets.delete(connection.id);
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.openConnections().length,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId() },
      }),
    );
  }
}
