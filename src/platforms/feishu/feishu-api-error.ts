/** Feishu Open API failures, classified once so callers decide by kind, never by code. */
export type FeishuErrorKind = 'rate_limited' | 'gone' | 'target_revoked' | 'permission_denied' | 'auth' | 'bad_request' | 'unavailable';

/** Codes from Feishu's documentation of the IM and auth APIs. */
const KIND_BY_CODE: Record<number, FeishuErrorKind> = {
  99991400: 'rate_limited', // gateway: request frequency limit
  230020: 'rate_limited', // per chat / per message frequency limit
  11232: 'rate_limited',
  230031: 'gone', // message can no longer be updated (too old)
  230011: 'gone', // message was recalled
  231003: 'gone', // message not found
  230001: 'bad_request',
  230002: 'target_revoked', // the bot is not in the chat
  230027: 'permission_denied',
  232009: 'target_revoked', // chat disbanded
  99991663: 'auth',
  99991661: 'auth',
  99991668: 'auth',
  10014: 'auth',
  99991672: 'permission_denied',
  99991679: 'permission_denied',
};

export class FeishuApiError extends Error {
  constructor(
    readonly kind: FeishuErrorKind,
    readonly code: number | undefined,
    message: string,
    /** From `x-ogw-ratelimit-reset` (seconds) when Feishu says when to come back. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'FeishuApiError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}

export function classifyFeishuCode(code: number, msg: string, httpStatus?: number, resetSeconds?: number): FeishuApiError {
  const kind = KIND_BY_CODE[code] ?? (httpStatus === 429 ? 'rate_limited' : httpStatus && httpStatus >= 500 ? 'unavailable' : 'bad_request');
  return new FeishuApiError(kind, code, `Feishu API error ${code}: ${msg}`, resetSeconds !== undefined ? resetSeconds * 1000 : undefined);
}

interface AxiosLikeError {
  response?: { status?: number; data?: { code?: number; msg?: string }; headers?: Record<string, string | undefined> };
  code?: string;
  message?: string;
}

/** The SDK returns 2xx bodies with code ≠ 0 and throws (axios) for other statuses: both end up here. */
export function toFeishuApiError(error: unknown): FeishuApiError {
  if (error instanceof FeishuApiError) return error;
  const axios = error as AxiosLikeError;
  const response = axios.response;
  if (response) {
    const reset = Number(response.headers?.['x-ogw-ratelimit-reset']);
    return classifyFeishuCode(response.data?.code ?? -1, response.data?.msg ?? `HTTP ${response.status}`, response.status, Number.isFinite(reset) ? reset : undefined);
  }
  return new FeishuApiError('unavailable', undefined, `Feishu API unreachable: ${axios.code ?? axios.message ?? 'unknown error'}`);
}
