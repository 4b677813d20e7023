import { z } from 'zod';
import { optionalString } from '../../config/env-fields.js';
import type { PlatformConfigFragment } from '../platform-module.js';

export interface FeishuAppConfig {
  appId: string;
  appSecret: string;
  verificationToken?: string;
  encryptKey?: string;
  /** Open API base URL: Feishu, Lark, or (in tests) a local fake. */
  domain: string;
  connection: 'webhook' | 'websocket';
}

const FEISHU_DOMAINS: Record<string, string> = { feishu: 'https://open.feishu.cn', lark: 'https://open.larksuite.com' };

const env = {
  FEISHU_APP_ID: optionalString.meta({ description: 'App ID (cli_…); with FEISHU_APP_SECRET it turns the app on' }),
  FEISHU_APP_SECRET: optionalString.meta({ writeOnly: true, description: 'App Secret' }),
  FEISHU_VERIFICATION_TOKEN: optionalString.meta({ writeOnly: true, description: 'Verification Token of event subscriptions (webhook mode needs it or the Encrypt Key)' }),
  FEISHU_ENCRYPT_KEY: optionalString.meta({ writeOnly: true, description: 'Encrypt Key: encrypted and signed callbacks' }),
  FEISHU_DOMAIN: optionalString
    .refine((value) => value === undefined || ['feishu', 'lark'].includes(value) || /^https?:\/\//.test(value), {
      message: 'must be feishu, lark or a base URL such as https://open.feishu.cn',
    })
    .meta({ description: 'feishu (default), lark, or an Open API base URL' }),
  FEISHU_CONNECTION: z.enum(['webhook', 'websocket']).default('webhook').meta({ description: 'Callbacks over HTTP, or over the long connection' }),
};

export const feishuConfig: PlatformConfigFragment<typeof env, FeishuAppConfig> = {
  env,
  check(values, problem) {
    if (Boolean(values.FEISHU_APP_ID) !== Boolean(values.FEISHU_APP_SECRET)) problem('FEISHU_APP_SECRET', 'FEISHU_APP_ID and FEISHU_APP_SECRET go together');
    if (values.FEISHU_APP_ID && values.FEISHU_CONNECTION === 'webhook' && !values.FEISHU_VERIFICATION_TOKEN && !values.FEISHU_ENCRYPT_KEY) {
      problem('FEISHU_VERIFICATION_TOKEN', 'webhook mode needs FEISHU_VERIFICATION_TOKEN or FEISHU_ENCRYPT_KEY so callbacks can be verified');
    }
  },
  build(values) {
    if (!values.FEISHU_APP_ID || !values.FEISHU_APP_SECRET) return undefined;
    return {
      appId: values.FEISHU_APP_ID,
      appSecret: values.FEISHU_APP_SECRET,
      verificationToken: values.FEISHU_VERIFICATION_TOKEN,
      encryptKey: values.FEISHU_ENCRYPT_KEY,
      domain: (FEISHU_DOMAINS[values.FEISHU_DOMAIN ?? 'feishu'] ?? values.FEISHU_DOMAIN!).replace(/\/+$/, ''),
      connection: values.FEISHU_CONNECTION,
    };
  },
};
