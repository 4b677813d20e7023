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
  },
  // Loaded only when the app is configured: reading the configuration does not load the SDK.
  create: async (config, logger, metrics, pacing) => new (await import('./feishu.app.js')).FeishuApp(config, logger, metrics, pacing),
};
