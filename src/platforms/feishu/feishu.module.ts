import { CAPABILITY_NAMES } from '../../services/ports/capabilities.js';
import type { PlatformDefinition } from '../platform-module.js';
import { feishuConfig, type FeishuAppConfig } from './feishu.config.js';

export const feishuPlatform: PlatformDefinition<'feishu', typeof feishuConfig.env, FeishuAppConfig> = {
  name: 'feishu',
  config: feishuConfig,
  info: {
    name: 'feishu',
    label: 'Feishu / Lark app',
    configuredBy: 'environment',
    capabilities: CAPABILITY_NAMES,
    fields: [
      { name: 'FEISHU_APP_ID', type: 'string', required: true, secret: false, description: 'App ID (cli_…); with FEISHU_APP_SECRET it turns the app on' },
      { name: 'FEISHU_APP_SECRET', type: 'string', required: true, secret: true, description: 'App Secret' },
      { name: 'FEISHU_VERIFICATION_TOKEN', type: 'string', required: false, secret: true, description: 'Verification Token of event subscriptions (webhook mode needs it or the Encrypt Key)' },
      { name: 'FEISHU_ENCRYPT_KEY', type: 'string', required: false, secret: true, description: 'Encrypt Key: encrypted and signed callbacks' },
      { name: 'FEISHU_DOMAIN', type: 'string', required: false, secret: false, description: 'feishu, lark, or an Open API base URL', default: 'feishu' },
      { name: 'FEISHU_CONNECTION', type: 'enum', values: ['webhook', 'websocket'], required: false, secret: false, description: 'Callbacks by HTTP or over the long connection', default: 'webhook' },
    ],
  },
  // Loaded only when the app is configured: reading the configuration does not load the SDK.
  create: async (config, logger) => new (await import('./feishu.app.js')).FeishuApp(config, logger),
};
