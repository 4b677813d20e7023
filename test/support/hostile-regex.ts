/** Admin-supplied patterns that would stall a backtracking engine, and the checks that the service keeps answering. */

/** On V8 this backtracks about 2^40 times against HOSTILE_TITLE (the process freezes); RE2 answers at once. */
export const CATASTROPHIC_PATTERN = '^(a+)+$';
export const HOSTILE_TITLE = `${'a'.repeat(40)}!`;
/** Patterns RE2 cannot run: refused at save time with the reason. */
export const BACKREFERENCE_PATTERN = '(\\w+) \\1';
export const LOOKAHEAD_PATTERN = 'db-\\d+(?= down)';

/**
 * Runs `action` (which makes the service evaluate a hostile pattern) while asking /healthz, then asks again.
 * A pattern that stalls the event loop would hang here: the service runs in this process.
 */
export async function whileHealthAnswers<T>(serviceUrl: string, action: () => Promise<T>): Promise<T> {
  const pending = action();
  expect((await fetch(`${serviceUrl}/healthz`)).status).toBe(200);
  const result = await pending;
  expect((await fetch(`${serviceUrl}/healthz`)).status).toBe(200);
  return result;
}
