import { PlatformError, type PlatformErrorKind } from '../../services/ports/platform-error.js';

/** Codes from Feishu's documentation of the IM and auth APIs. */
const KIND_BY_CODE: Record<number, PlatformErrorKind> = {
  99991400: 'rate_limited', // gateway: request frequency limit
  230020: 'rate_limited', // per chat / per message frequency limit
  11232: 'rate_limited',
  230031: 'message_gone', // message can no longer be updated (too old)
  230011: 'message_gone', // message was recalled
  231003: 'message_gone', // message not found
  230001: 'bad_request',
  230002: 'target_gone', // the bot is not in the chat
  230027: 'permission_denied',
  232009: 'target_gone', // chat disbanded
  99991663: 'auth',
  99991661: 'auth',
  99991668: 'auth',
  10014: 'auth',
  99991672: 'permission_denied',
  99991679: 'permission_denied',
};

export function classifyFeishuCode(code: number, msg: string, httpStatus?: number, resetSeconds?: number): PlatformError {
  const kind = KIND_BY_CODE[code] ?? (httpStatus === 429 ? 'rate_limited' : httpStatus && httpStatus >= 500 ? 'transient' : 'bad_request');
  return new PlatformError('feishu', kind, code, `Feishu API error ${code}: ${msg}`, resetSeconds !== undefined ? resetSeconds * 1000 : undefined);
}

interface AxiosLikeError {
  response?: { status?: number; data?: { code?: number; msg?: string }; headers?: Record<string, string | undefined> };
  code?: string;
  message?: string;
}

/** The SDK returns 2xx bodies with code ≠ 0 and throws (axios) for other statuses: both end up here. */
export function toFeishuError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const axios = error as AxiosLikeError;
  const response = axios.response;
  if (response) {
    const reset = Number(response.headers?.['x-ogw-ratelimit-reset']);
    return classifyFeishuCode(response.data?.code ?? -1, response.data?.msg ?? `HTTP ${response.status}`, response.status, Number.isFinite(reset) ? reset : undefined);
  }
  return new PlatformError('feishu', 'transient', undefined, `Feishu API unreachable: ${axios.code ?? axios.message ?? 'unknown error'}`);
}
