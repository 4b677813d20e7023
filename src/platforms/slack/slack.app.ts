import type Router from '@koa/router';
import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { SlackAppConfig } from '../../config/config.js';
import type { Deduper } from '../../lib/dedupe.js';
import type { Logger } from '../../lib/logger.js';
import type { ChatBindingService } from '../../services/chat-binding.service.js';
import type { ChatInteractionService } from '../../services/chat-interaction.service.js';
import { SlackApi } from './slack-api.js';
import { registerSlackListeners } from './slack-listeners.js';
import { SlackPlatform } from './slack.platform.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackInboundDeps {
  interactions: ChatInteractionService;
  bindings: ChatBindingService;
  deduper: Deduper;
}

/** Bolt's logger, fed into ours with objects dropped (they can carry tokens). */
function boltLogger(logger: Logger): BoltLogger {
  const text = (parts: unknown[]) => parts.filter((part) => typeof part === 'string').join(' ').slice(0, 300);
  return {
    debug: (...parts: unknown[]) => logger.trace({ source: 'slack-bolt' }, text(parts)),
    info: (...parts: unknown[]) => logger.debug({ source: 'slack-bolt' }, text(parts)),
    warn: (...parts: unknown[]) => logger.warn({ source: 'slack-bolt' }, text(parts)),
    error: (...parts: unknown[]) => logger.error({ source: 'slack-bolt' }, text(parts)),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}

/**
 * The Slack app: Bolt on one URL of our Koa app (commands, interactivity, events; Bolt checks the signature and the
 * 5-minute window), or Socket Mode when there is no public URL.
 */
export class SlackApp {
  readonly platform: SlackPlatform;
  readonly api: SlackApi;
  bolt?: App;

  constructor(
    private readonly config: SlackAppConfig,
    private readonly logger: Logger,
  ) {
    this.api = new SlackApi(config, logger);
    this.platform = new SlackPlatform(this.api);
  }

  /** Builds the Bolt app and mounts its URL (HTTP) — call before the server listens; `start()` opens Socket Mode. */
  connect(router: Router, deps: SlackInboundDeps): void {
    const common = {
      token: this.config.botToken,
      logger: boltLogger(this.logger),
      clientOptions: { slackApiUrl: this.config.apiUrl },
    };
    if (this.config.connection === 'http') {
      const receiver = new HTTPReceiver({ signingSecret: this.config.signingSecret!, endpoints: SLACK_EVENTS_PATH, logger: common.logger });
      this.bolt = new App({ ...common, receiver });
      router.post(SLACK_EVENTS_PATH, (ctx) => {
        ctx.respond = false;
        receiver.requestListener(ctx.req, ctx.res);
      });
    } else {
      this.bolt = new App({ ...common, socketMode: true, appToken: this.config.appToken });
    }
    registerSlackListeners(this.bolt, { ...deps, platform: this.platform, logger: this.logger });
  }

  async start(): Promise<void> {
    if (this.config.connection === 'socket') await this.bolt?.start();
    this.logger.info({ connection: this.config.connection }, 'slack app connected');
  }

  async stop(): Promise<void> {
    if (this.config.connection === 'socket') await this.bolt?.stop();
  }
}
