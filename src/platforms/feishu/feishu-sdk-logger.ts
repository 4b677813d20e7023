import type { Logger } from '../../lib/logger.js';

type Fields = Record<string, string | number>;

const MAX_TEXT = 300;
/** Feishu access tokens (tenant t-…, user u-…, app a-…), should a message ever quote one. */
const TOKEN_LIKE = /\b[tua]-[A-Za-z0-9_.-]{12,}/g;

/**
 * The SDK logs what it logs as one array of parts: strings, and for a failed request the output of its formatErrors —
 * `{message, config: {url, method, data, params}, request, response: {status, data}}` and Feishu's error body
 * `{code, msg, log_id, …}` — or the AxiosError itself (a failed token request). `config.data` and `response.data` can hold the app secret or a tenant token, so objects
 * are never logged whole: only the API (method and path), the HTTP status, Feishu's code and log id as fields, and
 * the plain-text parts and Feishu's msg as the message.
 */
export function feishuSdkLogger(logger: Logger) {
  const log = (level: 'warn' | 'debug' | 'trace') => (...parts: unknown[]) => {
    const { text, fields } = describeSdkParts(parts);
    logger[level]({ source: 'feishu-sdk', ...fields }, text);
  };
  return { error: log('warn'), warn: log('warn'), info: log('debug'), debug: log('trace'), trace: log('trace') };
}

/** What of the SDK's parts is safe to log, as a message and fields. */
export function describeSdkParts(parts: unknown[]): { text: string; fields: Fields } {
  const texts: string[] = [];
  const feishuMsgs: string[] = [];
  const fields: Fields = {};
  for (const part of parts.flat(4)) {
    if (typeof part === 'string' || typeof part === 'number') texts.push(String(part));
    else if (part instanceof Error && !('config' in part)) texts.push(part.message);
    // formatErrors' output, Feishu's error body, or an AxiosError the SDK logs as it is.
    else if (part && typeof part === 'object') describeObject(part as Record<string, unknown>, texts, feishuMsgs, fields);
  }
  // Feishu's msg goes into the message (pino's own field is `msg`).
  const said = [texts.join(' '), ...new Set(feishuMsgs)].filter(Boolean).join(': ');
  const text = scrub(said) || (fields.api ? 'feishu request failed' : 'feishu sdk message');
  return { text, fields };
}

function describeObject(part: Record<string, unknown>, texts: string[], feishuMsgs: string[], fields: Fields): void {
  const config = asRecord(part.config);
  const response = asRecord(part.response);
  if (config || response) {
    if (typeof part.message === 'string') texts.push(part.message);
    const path = pathOf(config?.url);
    if (path) fields.api = typeof config?.method === 'string' ? `${config.method.toUpperCase()} ${path}` : path;
    if (typeof response?.status === 'number') fields.status = response.status;
    const body = asRecord(response?.data);
    if (body) describeObject(body, texts, feishuMsgs, fields);
    return;
  }
  if (typeof part.code === 'number') fields.code = part.code;
  if (typeof part.msg === 'string' && part.msg !== '') feishuMsgs.push(part.msg);
  if (typeof part.log_id === 'string') fields.logId = part.log_id.slice(0, 100);
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
}

/** The URL's path only: its query could carry anything. */
function pathOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return undefined;
  try {
    return new URL(url, 'http://feishu.invalid').pathname.slice(0, 200);
  } catch {
    return undefined;
  }
}

function scrub(text: string): string {
  return text.replace(TOKEN_LIKE, '[redacted]').slice(0, MAX_TEXT);
}
