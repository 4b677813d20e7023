import { createHmac, timingSafeEqual } from 'node:crypto';
import { datedTooFarAhead } from '../../lib/request-clock.js';
import { FEISHU_SIGN_WINDOW_SECONDS } from './feishu-protocol.js';

/** Feishu's custom-bot signature: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")). */
export function feishuSign(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

/**
 * Feishu accepts a timestamp within an hour either way; we refuse one more than 5 minutes ahead of our clock, so a
 * captured sign (it does not cover the body) can be replayed for an hour at most, not two.
 */
export function verifyFeishuSign(
  secret: string,
  timestamp: unknown,
  sign: unknown,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  const ts = typeof timestamp === 'number' ? String(Math.trunc(timestamp)) : typeof timestamp === 'string' ? timestamp.trim() : '';
  if (!/^\d{1,12}$/.test(ts) || typeof sign !== 'string' || sign === '') return false;
  if (nowSeconds - Number(ts) > FEISHU_SIGN_WINDOW_SECONDS || datedTooFarAhead(Number(ts) * 1000, nowSeconds * 1000)) return false;
  const expected = Buffer.from(feishuSign(ts, secret));
  const given = Buffer.from(sign);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
