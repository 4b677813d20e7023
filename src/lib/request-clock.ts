/**
 * How far ahead of our clock a signed request's timestamp may be: room for clock skew. A timestamp further ahead would
 * stretch the time a captured request can be replayed (its window would start in the future), so it is refused.
 */
export const MAX_TIMESTAMP_AHEAD_MS = 5 * 60 * 1000;

/** True when `timestampMs` is more than MAX_TIMESTAMP_AHEAD_MS ahead of `nowMs`. */
export function datedTooFarAhead(timestampMs: number, nowMs: number = Date.now()): boolean {
  return timestampMs - nowMs > MAX_TIMESTAMP_AHEAD_MS;
}
