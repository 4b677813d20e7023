import type { SourceType } from '../source-type.js';
import { FEISHU_TYPE, feishuSettingsSchema } from './feishu-settings.js';
import { readFeishuTestPayload } from './feishu-test-payload.js';
import { FEISHU_HOOK_PATH, FEISHU_LEGACY_HOOK_PATH, registerFeishuWebhook } from './feishu-webhook.route.js';

/** Alerts posted to a Feishu custom-bot URL, in Feishu's request and answer shapes. */
export const feishuWebhookSource: SourceType = {
  name: FEISHU_TYPE,
  label: 'Feishu-compatible webhook',
  description: 'Anything that can post to a Feishu/Lark custom bot: give it the integration URL as the bot webhook URL.',
  settings: feishuSettingsSchema,
  receiver: {
    kind: 'http',
    paths: [`${FEISHU_HOOK_PATH}/{key}`, `${FEISHU_LEGACY_HOOK_PATH}/{key}`],
    mount: registerFeishuWebhook,
  },
  address: {
    field: 'url',
    label: 'Webhook URL',
    description: 'The Feishu-compatible webhook URL to give senders',
    of: (integration, publicBaseUrl) => `${publicBaseUrl}${FEISHU_HOOK_PATH}/${integration.key}`,
  },
  readTestPayload: readFeishuTestPayload,
};
