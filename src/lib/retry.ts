export interface RetryPolicy {
  attempts: number;
  /** How long to wait before the next attempt; undefined means the error is not retryable. */
  delayFor(error: unknown, attempt: number): number | undefined;
}

export async function withRetry<T>(work: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delay = attempt < policy.attempts ? policy.delayFor(error, attempt) : undefined;
      if (delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Exponential backoff with jitter: 1×, 2×, 4× … base, capped. */
export function backoff(attempt: number, baseMs: number, capMs: number): number {
  const exponential = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  return exponential / 2 + Math.random() * (exponential / 2);
}
