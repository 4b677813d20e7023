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

/** An error a platform adapter has already classified. */
export interface ClassifiedError {
  kind: string;
  retryable: boolean;
  retryAfterMs?: number;
}

/** The retry policy of every outbound IM call: retry what the platform calls retryable, after its Retry-After. */
export function platformRetryPolicy(onRetry: (error: ClassifiedError, attempt: number) => void): RetryPolicy {
  return {
    attempts: 4,
    delayFor: (error, attempt) => {
      const classified = error as ClassifiedError;
      if (!classified.retryable) return undefined;
      onRetry(classified, attempt);
      return classified.retryAfterMs ?? backoff(attempt, 300, 5000);
    },
  };
}
