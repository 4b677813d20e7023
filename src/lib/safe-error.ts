/** What of an error may be logged: never its library extras (SQL parameters, request configs and headers, bodies). */
export interface SafeError {
  type: string;
  message: string;
  code?: string | number;
  status?: number;
  stack?: string;
  cause?: SafeError;
}

const MAX_CAUSE_DEPTH = 3;
const MAX_MESSAGE = 2_000;

function scalar(value: unknown): string | number | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

export function safeError(error: unknown, depth = 0): SafeError | string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error.slice(0, MAX_MESSAGE) : `non-error thrown: ${typeof error}`;
  const extras = error as Error & { code?: unknown; status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  const result: SafeError = { type: error.name, message: error.message.slice(0, MAX_MESSAGE), stack: error.stack };
  const code = scalar(extras.code);
  if (code !== undefined) result.code = code;
  const status = scalar(extras.status ?? extras.statusCode ?? extras.response?.status);
  if (typeof status === 'number') result.status = status;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    const cause = safeError(error.cause, depth + 1);
    if (typeof cause !== 'string') result.cause = cause;
  }
  return result;
}
