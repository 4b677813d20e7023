import { DWClient, type DWClientDownStream } from 'dingtalk-stream';
import { WebSocket } from 'ws';
import type { Logger } from '../../lib/logger.js';

/** One CALLBACK frame, with the way to answer it on the connection it came in on. */
export interface StreamFrame {
  messageId: string;
  topic: string;
  /** The frame's `data` JSON-parsed; undefined when it was not JSON. */
  data: { value: unknown } | undefined;
  /** Acknowledges the frame with `response` as the callback's answer (`socketCallBackResponse`). */
  ack(response: unknown): void;
}

export interface DingTalkStreamClientOptions {
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  /** Bounds the `connections/open` request and the WebSocket handshake. */
  timeoutMs: number;
  logger: Logger;
  onFrame(frame: StreamFrame): void;
  /** The gateway sent SYSTEM `disconnect`: it is about to close this connection and wants a new one. */
  onDisconnectRequested(): void;
}

export const DINGTALK_GATEWAY_PATH = '/v1.0/gateway/connections/open';
const USER_AGENT = 'oncall-im (dingtalk-stream/2.1.5)';
/** DingTalk's callbacks are a few KB; a bigger frame is refused by the socket rather than buffered. */
const MAX_FRAME_BYTES = 1024 * 1024;
const MAX_MESSAGE_ID_LENGTH = 256;
const MAX_ERROR_TEXT = 300;

/**
 * `dingtalk-stream`'s DWClient with its connection life replaced:
 *
 *   - `getEndpoint()` asks `${apiBaseUrl}/v1.0/gateway/connections/open` (the package's URL is a constant), bounded
 *     in time and abortable;
 *   - `openSocket()` opens exactly one socket; it is the only one whose frames are read, and a socket whose handshake
 *     failed is never retried by the client itself (no `autoReconnect`, no `keepAlive` timer): the caller decides;
 *   - callbacks are handed to `onFrame` with an ack bound to their own socket: an ack for a frame from a socket that
 *     has since closed is not sent on the new one (the gateway re-delivers, and dedupe answers).
 *
 * Kept from the package: frame parsing, SYSTEM ping → pong, and the ack format (`socketCallBackResponse`).
 */
export class DingTalkStreamClient extends DWClient {
  private readonly options: DingTalkStreamClientOptions;
  /** endpoint?ticket=…; a ticket opens one connection. Never logged. */
  private connectUrl?: string;
  private current?: WebSocket;
  /** The socket whose handshake is under way, so stop() can cut it. */
  private handshaking?: WebSocket;
  private readonly live = new Set<WebSocket>();

  constructor(options: DingTalkStreamClientOptions) {
    // Own subscriptions array: the package's default one is shared by every client in the process.
    const config = {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ua: USER_AGENT,
      keepAlive: false,
      autoReconnect: false,
      debug: false,
      subscriptions: [] as Array<{ type: string; topic: string }>,
    };
    super(config);
    this.options = options;
  }

  /** Sockets that opened and have not closed yet. */
  get liveSockets(): number {
    return this.live.size;
  }

  subscribe(topic: string): void {
    if (!this.config.subscriptions.some((s) => s.type === 'CALLBACK' && s.topic === topic)) {
      this.config.subscriptions.push({ type: 'CALLBACK', topic });
    }
  }

  override async getEndpoint(): Promise<this> {
    await this.openEndpoint(new AbortController().signal);
    return this;
  }

  /** Asks the gateway for a connection: `{clientId, clientSecret, ua, subscriptions}` → `{endpoint, ticket}`. */
  async openEndpoint(signal: AbortSignal): Promise<void> {
    // Appended, not resolved: an API base URL behind a proxy may carry a path of its own.
    const response = await fetch(`${this.options.apiBaseUrl.replace(/\/+$/, '')}${DINGTALK_GATEWAY_PATH}`, {
      method: 'POST',
      // Without Accept the gateway answers XML.
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({
        clientId: this.config.clientId,
        clientSecret: this.config.clientSecret,
        ua: this.config.ua,
        subscriptions: this.config.subscriptions,
      }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
    });
    const text = await response.text();
    let body: { endpoint?: unknown; ticket?: unknown; code?: unknown; message?: unknown } = {};
    try {
      body = JSON.parse(text) ?? {};
    } catch {
      // not JSON: reported below by status
    }
    if (!response.ok) {
      const code = typeof body.code === 'string' ? body.code : '';
      const message = typeof body.message === 'string' ? body.message : '';
      throw new Error(`gateway connections/open answered HTTP ${response.status} ${code} ${message}`.trim().slice(0, MAX_ERROR_TEXT));
    }
    if (typeof body.endpoint !== 'string' || typeof body.ticket !== 'string' || !body.ticket) {
      throw new Error('gateway connections/open answered without endpoint or ticket');
    }
    const url = new URL(body.endpoint);
    if (url.protocol !== 'wss:' && url.protocol !== 'ws:') throw new Error(`gateway endpoint is not a WebSocket URL (${url.protocol})`);
    url.searchParams.set('ticket', body.ticket);
    this.connectUrl = url.toString();
  }

  /** Opens the one socket (closing any other first); resolves once it is open, rejects if the handshake fails. */
  openSocket(): Promise<WebSocket> {
    const url = this.connectUrl;
    this.connectUrl = undefined;
    if (!url) return Promise.reject(new Error('no gateway endpoint: call openEndpoint() first'));
    for (const socket of this.live) socket.terminate();
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: this.options.timeoutMs, maxPayload: MAX_FRAME_BYTES });
      this.handshaking = socket;
      let opened = false;
      socket.on('open', () => {
        opened = true;
        this.handshaking = undefined;
        this.live.add(socket);
        this.current = socket;
        this.setPackageSocket(socket);
        resolve(socket);
      });
      socket.on('message', (data, isBinary) => {
        if (socket === this.current && !isBinary) this.onDownStream(data.toString());
      });
      socket.on('error', (error) => {
        // After an error ws closes the socket itself; terminate makes sure nothing of it lingers.
        socket.terminate();
        if (!opened) reject(new Error(`gateway websocket handshake failed: ${error.message}`.slice(0, MAX_ERROR_TEXT)));
        else this.options.logger.warn({ err: error }, 'dingtalk stream socket error');
      });
      socket.on('close', () => {
        if (this.handshaking === socket) this.handshaking = undefined;
        this.live.delete(socket);
        if (this.current === socket) {
          this.current = undefined;
          this.setPackageSocket(undefined);
        }
        if (!opened) reject(new Error('gateway websocket closed during the handshake'));
      });
    });
  }

  /** Resolves when `socket` has closed. */
  untilClosed(socket: WebSocket): Promise<void> {
    if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Closes the socket with a close handshake, cutting it after `waitMs`; a handshake under way is cut at once. */
  async closeSocket(waitMs: number): Promise<void> {
    this.handshaking?.terminate();
    const sockets = [...this.live];
    await Promise.all(
      sockets.map(async (socket) => {
        socket.close(1000, 'client stopping');
        let timer: NodeJS.Timeout | undefined;
        const cut = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            socket.terminate();
            resolve();
          }, waitMs);
        });
        await Promise.race([this.untilClosed(socket), cut]);
        clearTimeout(timer);
      }),
    );
  }

  /** The package's own entry points, kept safe: one socket, no retry timers of its own. */
  override async _connect(): Promise<void> {
    await this.openSocket();
  }

  override disconnect(): void {
    void this.closeSocket(1_000);
  }

  override onDownStream(data: string): void {
    try {
      super.onDownStream(data);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'dingtalk stream frame unreadable; ignored');
    }
  }

  override onSystem(downstream: DWClientDownStream): void {
    super.onSystem(downstream);
    if (downstream.headers.topic === 'disconnect') {
      this.options.onDisconnectRequested();
      this.current?.close(1000, 'gateway asked to reconnect');
    }
  }

  override onCallback(message: DWClientDownStream): void {
    this.hand(message);
  }

  private hand(message: DWClientDownStream): void {
    const socket = this.current;
    const messageId = message.headers?.messageId;
    const topic = message.headers?.topic;
    if (typeof messageId !== 'string' || !messageId || messageId.length > MAX_MESSAGE_ID_LENGTH || typeof topic !== 'string') {
      this.options.logger.warn('dingtalk stream frame without a usable messageId or topic; ignored');
      return;
    }
    let data: StreamFrame['data'];
    try {
      data = typeof message.data === 'string' ? { value: JSON.parse(message.data) as unknown } : undefined;
    } catch {
      data = undefined;
    }
    this.options.onFrame({ messageId, topic, data, ack: (response) => this.answer(socket, messageId, response) });
  }

  private answer(socket: WebSocket | undefined, messageId: string, response: unknown): void {
    if (!socket || socket !== this.current || socket.readyState !== WebSocket.OPEN) {
      this.options.logger.info({ messageId }, 'dingtalk stream connection gone before the ack; the gateway re-delivers');
      return;
    }
    try {
      this.socketCallBackResponse(messageId, response);
    } catch (error) {
      this.options.logger.warn({ messageId, err: error }, 'dingtalk stream ack not sent');
    }
  }

  /** The package sends pongs and acks on its own private `socket` field; point it at the one live socket. */
  private setPackageSocket(socket: WebSocket | undefined): void {
    (this as unknown as { socket?: WebSocket }).socket = socket;
  }
}
