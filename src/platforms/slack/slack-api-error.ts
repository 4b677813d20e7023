/** Slack Web API failures, classified once so callers decide by kind. */
export type SlackErrorKind = 'rate_limited' | 'gone' | 'target_revoked' | 'permission_denied' | 'auth' | 'bad_request' | 'unavailable';

const KIND_BY_ERROR: Record<string, SlackErrorKind> = {
  ratelimited: 'rate_limited',
  message_not_found: 'gone',
  cant_update_message: 'gone',
  edit_window_closed: 'gone',
  channel_not_found: 'target_revoked',
  not_in_channel: 'target_revoked',
  is_archived: 'target_revoked',
  user_not_found: 'target_revoked',
  missing_scope: 'permission_denied',
  restricted_action: 'permission_denied',
  invalid_auth: 'auth',
  not_authed: 'auth',
  account_inactive: 'auth',
  token_revoked: 'auth',
  // Slack says it did nothing; internal_error and fatal_error stay final, as part of the call may have happened.
  service_unavailable: 'unavailable',
};

export class SlackApiError extends Error {
  constructor(
    readonly kind: SlackErrorKind,
    readonly slackError: string,
    readonly retryAfterMs?: number,
  ) {
    super(`Slack API error: ${slackError}`);
    this.name = 'SlackApiError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}

interface WebApiErrorLike {
  code?: string;
  retryAfter?: number;
  data?: { error?: string };
  statusCode?: number;
  message?: string;
}

/** @slack/web-api throws coded errors: platform (`ok:false`), rate limited (429), HTTP and request errors. */
export function toSlackApiError(error: unknown): SlackApiError {
  if (error instanceof SlackApiError) return error;
  const coded = error as WebApiErrorLike;
  switch (coded.code) {
    case 'slack_webapi_rate_limited_error':
      return new SlackApiError('rate_limited', 'ratelimited', (coded.retryAfter ?? 1) * 1000);
    case 'slack_webapi_platform_error': {
      const name = coded.data?.error ?? 'unknown_error';
      return new SlackApiError(KIND_BY_ERROR[name] ?? 'bad_request', name);
    }
    case 'slack_webapi_http_error':
      return new SlackApiError((coded.statusCode ?? 500) >= 500 ? 'unavailable' : 'bad_request', `http_${coded.statusCode}`);
    default:
      return new SlackApiError('unavailable', coded.message ?? 'request_failed');
  }
}
