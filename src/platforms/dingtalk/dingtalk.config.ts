import { optionalString, urlWithProtocols } from '../../config/env-fields.js';
import type { PlatformConfigFragment } from '../platform-module.js';

export interface DingTalkAppConfig {
  /** The app's AppKey (Client ID). */
  clientId: string;
  /** The app's AppSecret (Client Secret). */
  clientSecret: string;
  /** The robot's code (robotCode): the sender of group and 1:1 robot messages and cards. */
  robotCode: string;
  /** The imported incident card template; without it cards fall back to template-free robot messages. */
  cardTemplateId?: string;
  /** New OpenAPI base (api.dingtalk.com; a local fake in tests): tokens, cards, robot messages, the Stream gateway. */
  apiBaseUrl: string;
  /** Old API base (oapi.dingtalk.com): the user directory lives there only. */
  oapiBaseUrl: string;
  /** How long one OpenAPI request may take before it counts as failed; default 10 s. Not from the environment. */
  requestTimeoutMs?: number;
  /** Stream link silence after which the connection is called dead and reopened. Not from the environment. */
  deadLinkMs?: number;
}

export const DEFAULT_DINGTALK_API_BASE_URL = 'https://api.dingtalk.com';
export const DEFAULT_DINGTALK_OAPI_BASE_URL = 'https://oapi.dingtalk.com';

const env = {
  DINGTALK_CLIENT_ID: optionalString.meta({ description: 'Client ID (AppKey); with the secret and robot code it turns the app on' }),
  DINGTALK_CLIENT_SECRET: optionalString.meta({ writeOnly: true, description: 'Client Secret (AppSecret)' }),
  DINGTALK_ROBOT_CODE: optionalString.meta({ description: 'Robot code of the app’s robot (usually the Client ID)' }),
  DINGTALK_CARD_TEMPLATE_ID: optionalString.meta({ description: 'Id of the imported card template (cards/dingtalk/incident-card.json); unset = template-free messages' }),
  DINGTALK_API_BASE_URL: urlWithProtocols(['http:', 'https:']).meta({ description: 'OpenAPI base URL (default https://api.dingtalk.com; tests point it at a fake)' }),
  DINGTALK_OAPI_BASE_URL: urlWithProtocols(['http:', 'https:']).meta({ description: 'Old API base URL for user lookups (default https://oapi.dingtalk.com)' }),
};

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export const dingtalkConfig: PlatformConfigFragment<typeof env, DingTalkAppConfig> = {
  env,
  check(values, problem) {
    const set = [values.DINGTALK_CLIENT_ID, values.DINGTALK_CLIENT_SECRET, values.DINGTALK_ROBOT_CODE].filter(Boolean).length;
    if (set > 0 && set < 3) {
      if (!values.DINGTALK_CLIENT_ID) problem('DINGTALK_CLIENT_ID', 'the DingTalk app needs DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET and DINGTALK_ROBOT_CODE together');
      if (!values.DINGTALK_CLIENT_SECRET) problem('DINGTALK_CLIENT_SECRET', 'the DingTalk app needs DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET and DINGTALK_ROBOT_CODE together');
      if (!values.DINGTALK_ROBOT_CODE) problem('DINGTALK_ROBOT_CODE', 'the DingTalk app needs DINGTALK_CLIENT_ID, DINGTALK_CLIENT_SECRET and DINGTALK_ROBOT_CODE together');
    }
  },
  build(values) {
    if (!values.DINGTALK_CLIENT_ID || !values.DINGTALK_CLIENT_SECRET || !values.DINGTALK_ROBOT_CODE) return undefined;
    return {
      clientId: values.DINGTALK_CLIENT_ID,
      clientSecret: values.DINGTALK_CLIENT_SECRET,
      robotCode: values.DINGTALK_ROBOT_CODE,
      cardTemplateId: values.DINGTALK_CARD_TEMPLATE_ID,
      apiBaseUrl: trimSlash(values.DINGTALK_API_BASE_URL ?? DEFAULT_DINGTALK_API_BASE_URL),
      oapiBaseUrl: trimSlash(values.DINGTALK_OAPI_BASE_URL ?? DEFAULT_DINGTALK_OAPI_BASE_URL),
    };
  },
};
