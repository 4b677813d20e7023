import { PlatformError, type PlatformErrorKind } from '../../services/ports/platform-error.js';

/**
 * The new OpenAPI (api.dingtalk.com) answers errors with an HTTP status and `{code, message, requestid}`; the old
 * one (oapi.dingtalk.com) with HTTP 200 and `{errcode, errmsg}`. Both are classified here, once.
 */
const KIND_BY_CODE: Record<string, PlatformErrorKind> = {
  // Throttling: per app and API, and the API's global limit.
  'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi': 'rate_limited',
  'Forbidden.AccessDenied.QpsLimitForApi': 'rate_limited',
  'Forbidden.AccessDenied.AccessTokenPermissionDenied': 'permission_denied',
  'Forbidden.AccessDenied.IpNotInWhiteList': 'permission_denied',
  InvalidAuthentication: 'auth',
  'invalidClientIdOrSecret': 'auth',
  // Cards: a template that is not published or not ours is a setup problem, not one of this card.
  'param.templateUnpublished': 'bad_request',
  'param.templateNotExist': 'bad_request',
  // A card instance DingTalk no longer knows (the name is this project's reading of DingTalk's `param.*` family).
  'param.cardInstanceNotExist': 'message_gone',
  // Robot messages: the robot is not in the group (removed, group disbanded).
  'resource.not.found': 'target_gone',
  'robot.not.in.group': 'target_gone',
  'staffId.notExisted': 'target_gone',
  'system.error': 'transient',
  unknownError: 'transient',
};

const KIND_BY_ERRCODE: Record<number, PlatformErrorKind> = {
  90018: 'rate_limited', // per app and API
  90002: 'rate_limited', // the API's global limit
  90006: 'rate_limited', // the app's daily quota (waits until tomorrow; retried after backoff like any throttle)
  88: 'auth', // unknown / expired access_token
  40014: 'auth', // invalid access_token
  42001: 'auth', // access_token expired
  60011: 'permission_denied', // no permission for this user
  60020: 'permission_denied', // IP not in the allow list
  60121: 'target_gone', // no such user
  33012: 'bad_request', // malformed userid
  [-1]: 'transient', // system busy
};

/** How long a throttled call waits before its retry: DingTalk's QPS windows are one second. */
export const DINGTALK_THROTTLE_WAIT_MS = 1000;

function withWait(kind: PlatformErrorKind): number | undefined {
  return kind === 'rate_limited' ? DINGTALK_THROTTLE_WAIT_MS : undefined;
}

/** An error answer of the new OpenAPI. */
export function classifyDingTalkCode(status: number, code: string | undefined, message: string | undefined): PlatformError {
  const kind = (code && KIND_BY_CODE[code]) || (status === 429 ? 'rate_limited' : status === 401 ? 'auth' : status >= 500 ? 'transient' : 'bad_request');
  return new PlatformError('dingtalk', kind, code ?? `http_${status}`, `DingTalk API error ${code ?? status}: ${message ?? ''}`.trim(), withWait(kind));
}

/** An error answer (errcode ≠ 0) of the old API. */
export function classifyDingTalkErrcode(errcode: number, errmsg: string | undefined): PlatformError {
  const kind = KIND_BY_ERRCODE[errcode] ?? 'bad_request';
  return new PlatformError('dingtalk', kind, errcode, `DingTalk API error ${errcode}: ${errmsg ?? ''}`.trim(), withWait(kind));
}

/** No answer at all: refused connection, reset, timeout. */
export function unreachable(error: unknown): PlatformError {
  const reason = error instanceof Error ? (error.name === 'TimeoutError' ? 'timed out' : error.message) : 'unknown error';
  return new PlatformError('dingtalk', 'transient', undefined, `DingTalk API unreachable: ${reason}`);
}
