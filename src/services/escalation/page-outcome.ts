import type { PageReach } from '../../domain/page-reach.js';
import type { TimelineDetail } from '../../domain/timeline.js';
import { isPlatformError, type PlatformErrorKind } from '../ports/platform-error.js';

/** A send failing this way will fail again however often it is sent: the page is settled without it. */
const FINAL_KINDS: ReadonlySet<PlatformErrorKind> = new Set(['target_gone', 'permission_denied', 'bad_request']);
/** Names and chat names come from admins and IM directories: keep the timeline entry small. */
const MAX_NOT_REACHED_CHARS = 1000;

/** One message of a page that failed, by the key that names it on every delivery, and whom it was for. */
export interface FailedSend {
  target: string;
  label: string;
  error: unknown;
}

/** How a delivery of a page ended. */
export interface PageOutcome {
  /** Sends that failed but may go out later: the sweep sends them (and only them) again, after a backoff. */
  retry: string[];
  /** For the timeline, when some targets were not reached for good: which ones, and at which level. */
  notReached?: TimelineDetail;
  /** Which people this delivery reached and which it did not, when known. */
  reach?: PageReach;
}

export function failedForGood(error: unknown): boolean {
  return isPlatformError(error) && FINAL_KINDS.has(error.kind);
}

/** Sorts a page's failed sends into those to send again and those that will never go out. */
export function pageOutcome(failed: FailedSend[], at: { level: number; round: number }): PageOutcome {
  const final = failed.filter((send) => failedForGood(send.error));
  const retry = failed.filter((send) => !failedForGood(send.error)).map((send) => send.target);
  if (final.length === 0) return { retry };
  const reasons = final.map(({ label, error }) => `${label}: ${isPlatformError(error) ? `${error.kind}${error.code !== undefined ? ` ${error.code}` : ''}` : 'failed'}`);
  const text = reasons.join('; ');
  return {
    retry,
    notReached: { level: at.level, round: at.round, notReached: text.length > MAX_NOT_REACHED_CHARS ? `${text.slice(0, MAX_NOT_REACHED_CHARS - 1)}…` : text },
  };
}
