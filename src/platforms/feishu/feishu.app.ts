import type Router from '@koa/router';
import type { FeishuAppConfig } from './feishu.config.js';
import type { Logger } from '../../lib/logger.js';
import type { Pacing } from '../../lib/pacer.js';
import type { InboundDeps, PlatformMetrics, PlatformModule } from '../platform-module.js';
import { FeishuApi } from './feishu-api.js';
import { registerFeishuCallbacks } from './feishu-callback.route.js';
import { createFeishuDispatcher } from './feishu-events.js';
import { startFeishuLongConnection } from './feishu-long-connection.js';
import { FeishuPlatform } from './feishu.platform.js';

/** The Feishu/Lark app: its outbound platform adapter first, its inbound side once the services exist. */
export class FeishuApp implements PlatformModule {
  readonly name = 'feishu';
  readonly platform: FeishuPlatform;
  /** Set by connect(); both connection modes feed it. */
  dispatcher?: ReturnType<typeof createFeishuDispatcher>;
  private connection?: { close(): void };

  constructor(
    private readonly config: FeishuAppConfig,
    private readonly logger: Logger,
    metrics: PlatformMetrics,
    pacing: Pacing,
  ) {
    this.platform = new FeishuPlatform(
      new FeishuApi(config, logger, (scope, where) => metrics.rateLimitHold('feishu', scope, where), pacing),
      config.domain.includes('larksuite') ? 'https://applink.larksuite.com' : 'https://applink.feishu.cn',
    );
  }

  /** Mounts the callback URL (webhook mode) or opens the long connection (websocket mode). */
  connect(router: Router, deps: InboundDeps): void {
    const dispatcher = createFeishuDispatcher({ ...deps, platform: this.platform, logger: this.logger });
    this.dispatcher = dispatcher;
    if (this.config.connection === 'webhook') registerFeishuCallbacks(router, this.config, dispatcher);
    else this.connection = startFeishuLongConnection(this.config, dispatcher, this.logger);
    this.logger.info({ connection: this.config.connection }, 'feishu app connected');
  }

  get destination(): FeishuPlatform {
    return this.platform;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {
    this.connection?.close();
  }
}
