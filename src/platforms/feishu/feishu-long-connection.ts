import * as lark from '@larksuiteoapi/node-sdk';
import { feishuSdkLogger } from './feishu-sdk-logger.js';
import type { FeishuAppConfig } from './feishu.config.js';
import type { Logger } from '../../lib/logger.js';

/** Long-connection mode: Feishu pushes events over a WebSocket the app opens, so no public URL is needed. */
export function startFeishuLongConnection(config: FeishuAppConfig, dispatcher: lark.EventDispatcher, logger: Logger): { close(): void } {
  const client = new lark.WSClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    loggerLevel: lark.LoggerLevel.warn,
    logger: feishuSdkLogger(logger),
  });
  void client.start({ eventDispatcher: dispatcher });
  return { close: () => client.close() };
}
