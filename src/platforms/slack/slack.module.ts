import { CAPABILITY_NAMES } from '../../services/ports/capabilities.js';
import type { PlatformDefinition } from '../platform-module.js';
import { slackConfig, type SlackAppConfig } from './slack.config.js';

export const slackPlatform: PlatformDefinition<'slack', typeof slackConfig.env, SlackAppConfig> = {
  name: 'slack',
  config: slackConfig,
  info: {
    name: 'slack',
    label: 'Slack app',
    configuredBy: 'environment',
    capabilities: CAPABILITY_NAMES,
  },
  // Loaded only when the app is configured: reading the configuration does not load Bolt.
  create: async (config, logger, metrics, pacing) => new (await import('./slack.app.js')).SlackApp(config, logger, metrics, pacing),
};
