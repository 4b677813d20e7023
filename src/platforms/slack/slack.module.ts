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
    fields: [
      { name: 'SLACK_BOT_TOKEN', type: 'string', required: true, secret: true, description: 'Bot token (xoxb-…); turns the app on' },
      { name: 'SLACK_SIGNING_SECRET', type: 'string', required: false, secret: true, description: 'Signing secret (needed over HTTP)' },
      { name: 'SLACK_APP_TOKEN', type: 'string', required: false, secret: true, description: 'App-level token (xapp-…, needed for Socket Mode)' },
      { name: 'SLACK_CONNECTION', type: 'enum', values: ['http', 'socket'], required: false, secret: false, description: 'Request URL over HTTP, or Socket Mode', default: 'http' },
      { name: 'SLACK_API_URL', type: 'url', required: false, secret: false, description: 'Web API base URL (tests point it at a fake)' },
    ],
  },
  // Loaded only when the app is configured: reading the configuration does not load Bolt.
  create: async (config, logger) => new (await import('./slack.app.js')).SlackApp(config, logger),
};
