import { CAPABILITY_NAMES } from '../../services/ports/capabilities.js';
import type { PlatformDefinition } from '../platform-module.js';
import { dingtalkConfig, type DingTalkAppConfig } from './dingtalk.config.js';

export const dingtalkPlatform: PlatformDefinition<'dingtalk', typeof dingtalkConfig.env, DingTalkAppConfig> = {
  name: 'dingtalk',
  config: dingtalkConfig,
  info: {
    name: 'dingtalk',
    label: 'DingTalk app',
    configuredBy: 'environment',
    capabilities: CAPABILITY_NAMES,
  },
  // Loaded only when the app is configured: reading the configuration does not load dingtalk-stream.
  create: async (config, logger, metrics, pacing) => new (await import('./dingtalk.app.js')).DingTalkApp(config, logger, metrics, pacing),
};
