import type { Logger } from '../../lib/logger.js';
import type { Deduper } from '../../lib/dedupe.js';
import { withTimeout } from '../../lib/timeout.js';
import { DingTalkStreamClient, type StreamFrame } from './dingtalk-stream-client.js';
import { DingTalkStreamLinkWatch } from './dingtalk-stream-link-watch.js';
import { DingTalkStreamOnce } from './dingtalk-stream-once.js';
import { DingTalkStreamBackoff, type DingTalkStreamBackoffOptions } from './dingtalk-stream-backoff.js';

export const DINGTALK_TOPIC_ROBOT = '/v1.0/im/bot/messages/get';
export const DINGTALK_TOPIC_CARD = '/v1.0/card/instances/callback';

export interface DingTalkStreamMessage {
  messageId: string;
  topic: string;
  /** the frame's `data`, JSON-parsed */
  data: unknown;
}

/**
 * What a handler returns becomes the callback's response body (card callbacks can carry new card data); undefined =
 * plain ack. Throwing = not acknowledged (the gateway re-delivers).
 */
export type DingTalkStreamHandler = (message: DingTalkStreamMessage) => Promise<unknown>;

export interface DingTalkStreamOptions {
  clientId: string;
  clientSecret: string;
  /** Base URL of DingTalk's OpenAPI (https://api.dingtalk.com); the gateway is `${apiBaseUrl}/v1.0/gateway/connections/open`. */
  apiBaseUrl: string;
  /** never log the secret or the ticket */
  logger: Logger;
  /** Remembers handled message ids across restarts and instances (InboundDeps.deduper: firstSeen(key)). */
  deduper: Deduper;
  /** A silent link is noticed within this (default 60 s; tests pass small values). */
  deadLinkMs?: number;
  /** Wait between connection attempts: doubles from `initialMs` up to `maxMs` (default 1 s → 30 s). */
  reconnectDelay?: DingTalkStreamBackoffOptions;
}

export type DingTalkStreamState = 'idle' | 'connecting' | 'open' | 'stopped';

const DEFAULT_DEAD_LINK_MS = 60_000;
/** How long stop() lets running handlers finish (so their acks go out) before closing the socket. */
const STOP_DRAIN_MS = 2_000;
/** How long stop() waits for the close handshake before cutting the socket. */
const STOP_CLOSE_MS = 1_000;

/**
 * DingTalk Stream mode: one WebSocket to DingTalk's gateway, over which robot messages and card callbacks arrive.
 *
 * Built on `dingtalk-stream`'s DWClient (frame parsing, SYSTEM ping → pong, the ack format), but the connection's
 * life is run here, because the client's own reconnect logic leaves two live sockets after a refused handshake, its
 * keep-alive timer can throw from a timer after a reconnect, and without keep-alive it never notices a dead link.
 * Here: one attempt at a time, the old socket is gone before a new one opens, a watchdog pings and cuts a silent
 * link, and every timer is cleared by stop().
 */
export class DingTalkStreamConnection {
  private readonly client: DingTalkStreamClient;
  private readonly handlers = new Map<string, DingTalkStreamHandler>();
  private readonly once: DingTalkStreamOnce;
  private readonly watch: DingTalkStreamLinkWatch;
  private readonly backoff: DingTalkStreamBackoff;
  private readonly logger: Logger;
  private readonly running = new Set<Promise<unknown>>();
  private currentState: DingTalkStreamState = 'idle';
  private loop?: Promise<void>;
  private readonly abort = new AbortController();
  private reconnectAtOnce = false;

  constructor(options: DingTalkStreamOptions) {
    if (!options.clientId || !options.clientSecret) throw new Error('DingTalk Stream needs a client id and a client secret');
    const deadLinkMs = options.deadLinkMs ?? DEFAULT_DEAD_LINK_MS;
    if (!(deadLinkMs >= 40)) throw new Error('deadLinkMs must be at least 40 ms');
    this.logger = options.logger;
    this.once = new DingTalkStreamOnce(options.deduper);
    this.backoff = new DingTalkStreamBackoff(options.reconnectDelay);
    this.watch = new DingTalkStreamLinkWatch(deadLinkMs, (silentMs) =>
      this.logger.warn({ silentMs }, 'dingtalk stream link silent; reconnecting'),
    );
    this.client = new DingTalkStreamClient({
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      apiBaseUrl: options.apiBaseUrl,
      // The handshake and the endpoint request are bounded by the same figure: a gateway that hangs is a dead link too.
      timeoutMs: deadLinkMs,
      logger: this.logger,
      onFrame: (frame) => this.receive(frame),
      onDisconnectRequested: () => {
        this.logger.info('dingtalk stream gateway asked to reconnect');
        this.reconnectAtOnce = true;
      },
    });
  }

  get state(): DingTalkStreamState {
    return this.currentState;
  }

  /** Live WebSocket count (0 or 1), for tests and /readyz. */
  get liveSockets(): number {
    return this.client.liveSockets;
  }

  /** Registers the handler for a callback topic; before start(), since the subscriptions go out when connecting. */
  on(topic: string, handler: DingTalkStreamHandler): void {
    if (this.currentState !== 'idle') throw new Error('register DingTalk Stream handlers before start()');
    this.handlers.set(topic, handler);
    this.client.subscribe(topic);
  }

  /** Returns at once; connects in the background, retrying with backoff; never throws from a timer. */
  async start(): Promise<void> {
    if (this.currentState !== 'idle') return;
    this.currentState = 'connecting';
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.currentState === 'stopped') return;
    const wasRunning = this.currentState !== 'idle';
    this.currentState = 'stopped';
    this.abort.abort();
    this.backoff.cancel();
    if (this.running.size > 0) await withTimeout(Promise.allSettled([...this.running]), STOP_DRAIN_MS).catch(() => undefined);
    this.watch.stop();
    await this.client.closeSocket(STOP_CLOSE_MS);
    if (wasRunning) await this.loop;
  }

  private async run(): Promise<void> {
    while (this.currentState !== 'stopped') {
      try {
        await this.client.openEndpoint(this.abort.signal);
        if (this.isStopped()) break;
        const socket = await this.client.openSocket();
        if (this.isStopped()) {
          // stop() ran while the handshake was finishing: this socket is not to stay.
          await this.client.closeSocket(STOP_CLOSE_MS);
          break;
        }
        this.currentState = 'open';
        this.backoff.reset();
        this.logger.info('dingtalk stream connected');
        this.watch.start(socket);
        await this.client.untilClosed(socket);
        this.watch.stop();
        if (this.isStopped()) break;
        this.logger.warn('dingtalk stream connection closed; reconnecting');
      } catch (error) {
        this.watch.stop();
        if (this.isStopped()) break;
        this.logger.warn({ err: error }, 'dingtalk stream could not connect');
      }
      this.currentState = 'connecting';
      if (this.reconnectAtOnce) {
        this.reconnectAtOnce = false;
        continue;
      }
      await this.backoff.wait();
    }
  }

  private isStopped(): boolean {
    return this.currentState === 'stopped';
  }

  /** One frame from the current socket; the handler runs once per message id, the ack goes back on the same socket. */
  private receive(frame: StreamFrame): void {
    if (this.isStopped()) return;
    const handler = this.handlers.get(frame.topic);
    if (!handler) {
      this.logger.warn({ topic: frame.topic.slice(0, 100) }, 'dingtalk stream frame for a topic without a handler; acknowledged');
      frame.ack(undefined);
      return;
    }
    if (frame.data === undefined) {
      // A frame whose data is not JSON never becomes readable: acknowledge it so it is not re-delivered forever.
      this.logger.warn({ topic: frame.topic, messageId: frame.messageId }, 'dingtalk stream frame data is not JSON; acknowledged and dropped');
      frame.ack(undefined);
      return;
    }
    const message: DingTalkStreamMessage = { messageId: frame.messageId, topic: frame.topic, data: frame.data.value };
    const work = this.once.run(frame.messageId, () => handler(message)).then(
      (response) => frame.ack(response),
      (error: unknown) => {
        this.logger.warn(
          { topic: frame.topic, messageId: frame.messageId, err: error },
          'dingtalk stream handler failed; left unacknowledged for re-delivery',
        );
      },
    );
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }
}
