import { AppError } from './errors.js';

/** How long a client is told to wait before trying again while a store does not answer. */
export const STORE_OUTAGE_RETRY_SECONDS = 5;

/** Connection-level codes of the MariaDB driver (and the sockets under it): the server is away, not the query wrong. */
const DATABASE_CONNECTION_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
]);

/** Which store an error says is away ('the database', 'Redis'), or undefined for any other error. */
export function unreachableStore(error: unknown): 'the database' | 'Redis' | undefined {
  if (!(error instanceof Error)) return undefined;
  // ioredis: retries used up while reconnecting, or a command on a closed connection; assertRedisConnected.
  if (error.name === 'MaxRetriesPerRequestError' || /^Connection is closed|^Redis not connected/.test(error.message)) return 'Redis';
  // TypeORM wraps the driver's error (QueryFailedError.driverError); a pool that cannot connect throws it bare.
  const driver = (error as { driverError?: unknown }).driverError ?? error;
  const code = (driver as { code?: unknown }).code;
  if (typeof code === 'string' && DATABASE_CONNECTION_CODES.has(code)) return 'the database';
  return undefined;
}

/** The 503 a request gets while `store` does not answer; `subject` says what cannot be done. */
export function storeUnavailable(store: string, subject = 'this request cannot be answered'): AppError {
  return new AppError('unavailable', `${subject}: ${store} does not answer; try again shortly`, undefined, STORE_OUTAGE_RETRY_SECONDS);
}
