/**
 * Why a call to a destination (IM API, webhook bot, mail server) failed, classified once beside each client's
 * error-code table so callers decide by kind, never by code.
 * - rate_limited: slow down; `retryAfterMs` when the platform said when to come back.
 * - message_gone: the message can no longer be updated (deleted, too old): post a new one.
 * - target_gone: the chat, user or bot is gone for good (bot removed, chat disbanded, user deactivated).
 * - permission_denied: the app lacks a scope or right.
 * - auth: our credentials were refused.
 * - bad_request: the platform refused what we sent; sending it again will not help.
 * - transient: unreachable, timed out or a server error; the same call may succeed later.
 */
export type PlatformErrorKind = 'rate_limited' | 'message_gone' | 'target_gone' | 'permission_denied' | 'auth' | 'bad_request' | 'transient';

export class PlatformError extends Error {
  constructor(
    /** The destination that answered (feishu, slack, …). */
    readonly platform: string,
    readonly kind: PlatformErrorKind,
    /** The platform's own code or error name, when it gave one. */
    readonly code: string | number | undefined,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'PlatformError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'transient';
  }
}

export function isPlatformError(error: unknown, kind?: PlatformErrorKind): error is PlatformError {
  return error instanceof PlatformError && (kind === undefined || error.kind === kind);
}

/** The kind of a failed call, for counting: its PlatformError kind, or `unknown` for anything else. */
export function failureKind(error: unknown): PlatformErrorKind | 'unknown' {
  return error instanceof PlatformError ? error.kind : 'unknown';
}
