import type { Logger } from '../../lib/logger.js';
import type { Pacing } from '../../lib/pacer.js';
import type { InboundDeps, PlatformMetrics, PlatformModule } from '../platform-module.js';
import { DingTalkApi } from './dingtalk-api.js';
import { cardCallbackHandler, robotMessageHandler } from './dingtalk-inbound.js';
import { DINGTALK_TOPIC_CARD, DINGTALK_TOPIC_ROBOT, DingTalkStreamConnection } from './dingtalk-stream-connection.js';
import type { DingTalkAppConfig } from './dingtalk.config.js';
import { DingTalkPlatform } from './dingtalk.platform.js';

/** The DingTalk app: robot and cards through the OpenAPI, robot messages and card clicks over one Stream connection. */
export class DingTalkApp implements PlatformModule {
  readonly name = 'dingtalk';
  readonly api: DingTalkApi;
  readonly platform: DingTalkPlatform;
  connection?: DingTalkStreamConnection;

  constructor(
    private readonly config: DingTalkAppConfig,
    private readonly logger: Logger,
    metrics: PlatformMetrics,
    pacing?: Pacing,
  ) {
    this.api = new DingTalkApi(config, logger, (scope, where) => metrics.rateLimitHold('dingtalk', scope, where), pacing);
    this.platform = new DingTalkPlatform(this.api, Boolean(config.cardTemplateId));
  }

  get destination(): DingTalkPlatform {
    return this.platform;
  }

  /** Prepares the Stream connection (no routes: Stream mode needs no public URL); start() opens it. */
  connect(_router: unknown, deps: InboundDeps): void {
    const connection = new DingTalkStreamConnection({
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
      apiBaseUrl: this.config.apiBaseUrl,
      logger: this.logger,
      deduper: deps.deduper,
      deadLinkMs: this.config.deadLinkMs,
    });
    const inbound = { interactions: deps.interactions, platform: this.platform, logger: this.logger };
    connection.on(DINGTALK_TOPIC_ROBOT, robotMessageHandler(inbound));
    connection.on(DINGTALK_TOPIC_CARD, cardCallbackHandler(inbound));
    this.connection = connection;
    this.platform.onGroupGone = async (openConversationId) => {
      if (await deps.bindings.unbind('dingtalk', openConversationId)) this.logger.info('dingtalk group unbound: the robot is no longer in it');
    };
    if (!this.config.cardTemplateId) {
      this.logger.warn(
        'dingtalk: DINGTALK_CARD_TEMPLATE_ID is not set, so incidents go out as template-free robot messages whose only button opens the Details page; import cards/dingtalk/incident-card.json for cards with buttons',
      );
    }
  }

  /** Opens the Stream connection without waiting for DingTalk (the connection retries on its own). */
  async start(): Promise<void> {
    void this.connection?.start().catch((error: unknown) => this.logger.error({ err: error }, 'dingtalk stream connection failed to start'));
    this.logger.info({ cards: this.platform.usesCardTemplate ? 'template' : 'template-free' }, 'dingtalk app started (Stream mode)');
  }

  async stop(): Promise<void> {
    await this.connection?.stop();
  }
}
