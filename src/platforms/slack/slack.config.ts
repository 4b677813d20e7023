import { z } from 'zod';
import { optionalString, urlWithProtocols } from '../../config/env-fields.js';
import type { PlatformConfigFragment } from '../platform-module.js';

export interface SlackAppConfig {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  connection: 'http' | 'socket';
  /** Web API base, e.g. https://slack.com/api/ (a local fake in tests). */
  apiUrl?: string;
  /** How long one Web API request may take before it counts as failed (and is retried); default 10 s. */
  requestTimeoutMs?: number;
  /** chat.update calls per workspace (Slack's Tier 3); default 50 a minute with bursts of 10. Not from the environment. */
  updateLimit?: { perMinute: number; burst: number };
  /** Waits between auth.test attempts while Slack cannot be reached at start; default 1 s doubling to 60 s. Not from the environment. */
  identityRetry?: { firstDelayMs: number; maxDelayMs: number };
}

const env = {
  SLACK_BOT_TOKEN: optionalString
    .refine((value) => value === undefined || value.startsWith('xoxb-'), { message: 'must be a bot token (xoxb-…)' })
    .meta({ writeOnly: true, description: 'Bot token (xoxb-…); turns the app on' }),
  SLACK_SIGNING_SECRET: optionalString.meta({ writeOnly: true, description: 'Signing secret (needed over HTTP)' }),
  SLACK_APP_TOKEN: optionalString
    .refine((value) => value === undefined || value.startsWith('xapp-'), { message: 'must be an app-level token (xapp-…)' })
    .meta({ writeOnly: true, description: 'App-level token (xapp-…, needed for Socket Mode)' }),
  SLACK_CONNECTION: z.enum(['http', 'socket']).default('http').meta({ description: 'Request URL over HTTP, or Socket Mode' }),
  SLACK_API_URL: urlWithProtocols(['http:', 'https:']).meta({ description: 'Web API base URL (tests point it at a fake)' }),
};

export const slackConfig: PlatformConfigFragment<typeof env, SlackAppConfig> = {
  env,
  check(values, problem) {
    if (values.SLACK_BOT_TOKEN && values.SLACK_CONNECTION === 'http' && !values.SLACK_SIGNING_SECRET) {
      problem('SLACK_SIGNING_SECRET', 'the Slack app over HTTP needs its signing secret');
    }
    if (values.SLACK_BOT_TOKEN && values.SLACK_CONNECTION === 'socket' && !values.SLACK_APP_TOKEN) {
      problem('SLACK_APP_TOKEN', 'Socket Mode needs an app-level token (xapp-…) with connections:write');
    }
  },
  build(values) {
    if (!values.SLACK_BOT_TOKEN) return undefined;
    return {
      botToken: values.SLACK_BOT_TOKEN,
      signingSecret: values.SLACK_SIGNING_SECRET,
      appToken: values.SLACK_APP_TOKEN,
      connection: values.SLACK_CONNECTION,
      apiUrl: values.SLACK_API_URL ? values.SLACK_API_URL.replace(/\/*$/, '/') : undefined,
    };
  },
};
