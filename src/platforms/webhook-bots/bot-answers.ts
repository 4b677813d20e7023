import { PlatformError, type PlatformErrorKind } from '../../services/ports/platform-error.js';
import type { BotAnswer, BotKindName } from './bot-kind.js';

/** The answer's JSON body, or undefined when it is not JSON (a proxy's HTML page …). */
export function answerJson(answer: BotAnswer): Record<string, any> | undefined {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds (as Retry-After and Telegram's retry_after give them) to milliseconds; undefined when not a number. */
export function secondsToMs(value: unknown): number | undefined {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** HTTP statuses every kind treats alike when its body says nothing more. */
export function byHttpStatus(kind: BotKindName, answer: BotAnswer, headers: Headers, code?: string | number): PlatformError {
  const status = answer.status;
  const message = `${kind} bot: HTTP ${status} ${answer.body.slice(0, 200)}`;
  if (status === 429) return new PlatformError(`bot:${kind}`, 'rate_limited', code ?? status, message, secondsToMs(headers.get('retry-after')));
  let errorKind: PlatformErrorKind = 'bad_request';
  if (status >= 500 || status === 408) errorKind = 'transient';
  else if (status === 401) errorKind = 'auth';
  else if (status === 403) errorKind = 'permission_denied';
  else if (status === 404 || status === 410) errorKind = 'target_gone';
  return new PlatformError(`bot:${kind}`, errorKind, code ?? status, message);
}

/** An error from the code table of a kind that answers HTTP 200 with a code in the body. */
export function byCode(kind: BotKindName, table: Record<number, PlatformErrorKind>, code: number, message: string, retryAfterMs?: number): PlatformError {
  const errorKind = table[code] ?? (code >= 500 && code < 600 ? 'transient' : 'bad_request');
  return new PlatformError(`bot:${kind}`, errorKind, code, `${kind} bot: ${code} ${String(message).slice(0, 200)}`, errorKind === 'rate_limited' ? retryAfterMs : undefined);
}
