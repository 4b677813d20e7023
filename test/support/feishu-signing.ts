import { createHmac } from 'node:crypto';

/**
 * Feishu's custom-bot signature, computed independently of src/ so the tests check the endpoint against the
 * protocol rather than against itself: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")).
 */
export function feishuTestSign(timestamp: string | number, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface SignOptions {
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Send the timestamp as a JSON number instead of Feishu's string. */
  timestampAsNumber?: boolean;
}

/** The body with Feishu's `timestamp` and `sign` fields added, as a signing sender would post it. */
export function signedBody<T extends object>(body: T, secret: string, options: SignOptions = {}): T & { timestamp: string | number; sign: string } {
  const timestamp = options.timestamp ?? nowSeconds();
  return {
    ...body,
    timestamp: options.timestampAsNumber ? timestamp : String(timestamp),
    sign: feishuTestSign(timestamp, secret),
  };
}
