import * as lark from '@larksuiteoapi/node-sdk';
import type { FeishuAppConfig } from '../../config/config.js';

/** Long-connection mode: Feishu pushes events over a WebSocket the app opens, so no public URL is needed. */
export function startFeishuLongConnection(config: FeishuAppConfig, dispatcher: lark.EventDispatcher): { close(): void } {
  const client = new lark.WSClient({
    appId: config.appId,
    appSecret: config.appSecret,
    domain: config.domain,
    loggerLevel: lark.LoggerLevel.warn,
  });
  void client.start({ eventDispatcher: dispatcher });
  return { close: () => client.close() };
}
