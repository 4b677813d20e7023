import { PlatformError, type PlatformErrorKind } from '../../services/ports/platform-error.js';

const KIND_BY_ERROR: Record<string, PlatformErrorKind> = {
  ratelimited: 'rate_limited',
  message_not_found: 'message_gone',
  cant_update_message: 'message_gone',
  edit_window_closed: 'message_gone',
  channel_not_found: 'target_gone',
  not_in_channel: 'target_gone',
  is_archived: 'target_gone',
  user_not_found: 'target_gone',
  missing_scope: 'permission_denied',
  restricted_action: 'permission_denied',
  invalid_auth: 'auth',
  not_authed: 'auth',
  account_inactive: 'auth',
  token_revoked: 'auth',
  // Slack says it did nothing; internal_error and fatal_error stay final, as part of the call may have happened.
  service_unavailable: 'transient',
};

function slackError(kind: PlatformErrorKind, name: string, retryAfterMs?: number): PlatformError {
  return new PlatformError('slack', kind, name, `Slack API error: ${name}`, retryAfterMs);
}

interface WebApiErrorLike {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
  statusCode?: number;
  message?: string;
}

/** @slack/web-api throws coded errors: platform (`ok:false`), rate limited (429), HTTP and request errors. */
export function toSlackError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const coded = error as WebApiErrorLike;
  switch (coded.code) {
    case 'slack_webapi_rate_limited_error':
      return slackError('rate_limited', 'ratelimited', (coded.retryAfter ?? 1) * 1000);
    case 'slack_webapi_platform_error': {
      const name = coded.data?.error ?? 'unknown_error';
      return slackError(KIND_BY_ERROR[name] ?? 'bad_request', name);
    }
    case 'slack_webapi_http_error':
      return slackError((coded.statusCode ?? 500) >= 500 ? 'transient' : 'bad_request', `http_${coded.statusCode}`);
    default:
      return slackError('transient', coded.message ?? 'request_failed');
  }
}
