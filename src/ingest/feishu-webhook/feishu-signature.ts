import { createHmac, timingSafeEqual } from 'node:crypto';
import { FEISHU_SIGN_WINDOW_SECONDS } from './feishu-protocol.js';

/** Feishu's custom-bot signature: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")). */
export function feishuSign(timestamp: string, secret: string): string {
  return createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
}

export function verifyFeishuSign(
  secret: string,
  timestamp: unknown,
  sign: unknown,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): boolean {
  const ts = typeof timestamp === 'number' ? String(Math.trunc(timestamp)) : typeof timestamp === 'string' ? timestamp.trim() : '';
  if (!/^\d{1,12}$/.test(ts) || typeof sign !== 'string' || sign === '') return false;
  if (Math.abs(nowSeconds - Number(ts)) > FEISHU_SIGN_WINDOW_SECONDS) return false;
  const expected = Buffer.from(feishuSign(ts, secret));
  const given = Buffer.from(sign);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
