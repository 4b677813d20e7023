import type Router from '@koa/router';
import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { SlackAppConfig } from './slack.config.js';
import type { Logger } from '../../lib/logger.js';
import type { Pacing } from '../../lib/pacer.js';
import { datedTooFarAhead } from '../../lib/request-clock.js';
import type { InboundDeps, PlatformMetrics, PlatformModule } from '../platform-module.js';
import { SlackApi } from './slack-api.js';
import { SlackIdentity } from './slack-identity.js';
import { registerSlackListeners } from './slack-listeners.js';
import { SlackSocketConnection } from './slack-socket-mode.js';
import { SlackPlatform } from './slack.platform.js';

export const SLACK_EVENTS_PATH = '/slack/events';

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
 * The Slack app: Bolt on one URL of our Koa app (commands, interactivity, events; Bolt checks the signature and
 * refuses requests older than 5 minutes, we refuse those dated more than 5 minutes ahead), or Socket Mode when there
 * is no public URL.
 */
export class SlackApp implements PlatformModule {
  readonly name = 'slack';
  readonly platform: SlackPlatform;
  readonly api: SlackApi;
  readonly identity: SlackIdentity;
  bolt?: App;
  private socket?: SlackSocketConnection;

  constructor(
    private readonly config: SlackAppConfig,
    private readonly logger: Logger,
    metrics: PlatformMetrics,
    pacing: Pacing,
  ) {
    this.api = new SlackApi(config, logger, (scope, where) => metrics.rateLimitHold('slack', scope, where), pacing);
    this.platform = new SlackPlatform(this.api);
    this.identity = new SlackIdentity(this.api, logger, config.identityRetry);
  }

  get destination(): SlackPlatform {
    return this.platform;
  }

  /** Builds the Bolt app and mounts its URL (HTTP) — call before the server listens; `start()` opens Socket Mode. */
  connect(router: Router, deps: InboundDeps): void {
    const common = {
      // Our own authorize instead of Bolt's token handling (see SlackIdentity): never waits for Slack.
      authorize: async () => {
        const known = this.identity.current();
        if (!known) this.identity.nudge();
        return { botToken: this.config.botToken, botUserId: known?.botUserId, botId: known?.botId, teamId: known?.teamId };
      },
      logger: boltLogger(this.logger),
      clientOptions: { slackApiUrl: this.config.apiUrl },
    };
    if (this.config.connection === 'http') {
      const receiver = new HTTPReceiver({ signingSecret: this.config.signingSecret!, endpoints: SLACK_EVENTS_PATH, logger: common.logger });
      this.bolt = new App({ ...common, receiver });
      router.post(SLACK_EVENTS_PATH, async (ctx) => {
        // Bolt checks only that a request is not too old: one dated far ahead is refused here, as Bolt refuses (401).
        if (datedTooFarAhead(Number(ctx.get('x-slack-request-timestamp')) * 1000)) {
          this.logger.warn({ source: 'slack' }, 'slack request refused: its timestamp is more than 5 minutes ahead');
          ctx.status = 401;
          return;
        }
        ctx.respond = false;
        // Bolt answers on the raw response, later; waiting for it lets the access log show its status, not Koa's 404.
        const answered = new Promise<void>((resolve) => {
          ctx.res.once('finish', resolve);
          ctx.res.once('close', resolve);
        });
        // The router also matches /slack/events/ and /Slack/Events; Bolt routes by its exact path and would throw.
        const requested = ctx.req.url;
        ctx.req.url = SLACK_EVENTS_PATH;
        try {
          receiver.requestListener(ctx.req, ctx.res);
        } finally {
          ctx.req.url = requested;
        }
        await answered;
      });
    } else {
      this.socket = new SlackSocketConnection(this.config.appToken!, this.config.apiUrl, common.logger, this.logger);
      this.bolt = new App({ ...common, receiver: this.socket.receiver });
    }
    registerSlackListeners(this.bolt, { ...deps, platform: this.platform, identity: this.identity, logger: this.logger });
  }

  /** Returns without waiting for Slack: the bot's identity is learnt in the background. */
  async start(): Promise<void> {
    this.identity.start();
    const bolt = this.bolt;
    if (this.socket && bolt) await this.socket.open(() => bolt.start());
    else this.logger.info({ path: SLACK_EVENTS_PATH }, 'slack app listening over HTTP');
  }

  async stop(): Promise<void> {
    this.identity.stop();
    await this.socket?.close();
  }
}
