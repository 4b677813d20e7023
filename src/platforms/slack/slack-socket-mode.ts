import { SocketModeReceiver, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../lib/logger.js';
import { withTimeout } from '../../lib/timeout.js';

/** The Bolt context key carrying a Socket Mode envelope's id, for deduplicating re-deliveries. */
export const ENVELOPE_ID_CONTEXT_KEY = 'socketEnvelopeId';

/** How long start-up waits for the first connection before going on (the client keeps connecting after). */
const FIRST_CONNECTION_WAIT_MS = 10_000;
/** Slack's client waits up to 30 s for the close handshake; shutdown should not. */
const CLOSE_WAIT_MS = 3_000;

/**
 * Socket Mode: Bolt opens a WebSocket from a URL `apps.connections.open` hands out (authorised by the app-level
 * token), so no public URL is needed. A Slack outage must not stop the service from starting: the connection is
 * opened in the background and its failure logged.
 */
export class SlackSocketConnection {
  readonly receiver: SocketModeReceiver;
  private connecting?: Promise<void>;

  constructor(
    appToken: string,
    apiUrl: string | undefined,
    boltLogger: BoltLogger,
    private readonly logger: Logger,
  ) {
    this.receiver = new SocketModeReceiver({
      appToken,
      logger: boltLogger,
      // Its own options object: the socket client writes its retry settings into the one it is given.
      installerOptions: { clientOptions: { slackApiUrl: apiUrl } },
      customPropertiesExtractor: (envelope: { envelope_id?: string }) => ({ [ENVELOPE_ID_CONTEXT_KEY]: envelope.envelope_id }),
    });
  }

  /** Connects through `start` (Bolt's `app.start()`), waiting a bounded time for the first connection. */
  async open(start: () => Promise<unknown>): Promise<void> {
    this.connecting = start().then(
      () => this.logger.info('slack socket mode connected'),
      (error: unknown) => this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'slack socket mode could not connect'),
    );
    await withTimeout(this.connecting, FIRST_CONNECTION_WAIT_MS).catch(() => this.logger.warn('slack socket mode still connecting; going on'));
  }

  /** Closes the socket (close frame, then the peer's) and stops reconnecting. */
  async close(): Promise<void> {
    await withTimeout(this.receiver.client.disconnect(), CLOSE_WAIT_MS).catch(() => this.logger.warn('slack socket did not close in time'));
  }
}
