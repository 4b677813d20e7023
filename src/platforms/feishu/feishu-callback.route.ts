import { createHash, timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Context } from 'koa';
import type { FeishuAppConfig } from './feishu.config.js';
import { EVENT_DEDUPE_RETENTION_MS } from '../../lib/dedupe.js';
import type { Logger } from '../../lib/logger.js';
import { readBody } from '../../lib/read-body.js';
import { datedTooFarAhead } from '../../lib/request-clock.js';

export const FEISHU_CALLBACK_PATH = '/feishu/events';
const CALLBACK_BODY_LIMIT = 512 * 1024;

type Json = Record<string, any>;

/**
 * Event subscription and card callback URL (one URL serves both). Verifies what the SDK does not: the
 * signature over the raw body and the Verification Token; then hands the plain event to the dispatcher, as the
 * long connection does. The timestamp window is as long as event ids are remembered (Feishu re-delivers events for
 * hours, so a tighter one would refuse genuine retries): a replay is stopped by the event_id dedupe while it is
 * younger than that, and by the window after. A timestamp more than 5 minutes ahead of our clock is refused too: its
 * window would reach that much further.
 */
export function registerFeishuCallbacks(router: Router, config: FeishuAppConfig, dispatcher: lark.EventDispatcher): void {
  const cipher = config.encryptKey ? new lark.AESCipher(config.encryptKey) : undefined;
  router.post(FEISHU_CALLBACK_PATH, async (ctx) => {
    const logger = ctx.state.logger as Logger;
    const body = await readBody(ctx.req, CALLBACK_BODY_LIMIT);
    if (!body.ok) return reject(ctx, 413, 'body too large');
    let envelope: Json;
    try {
      envelope = JSON.parse(body.raw);
    } catch {
      return reject(ctx, 400, 'not JSON');
    }

    let payload: Json = envelope;
    if (typeof envelope.encrypt === 'string') {
      if (!cipher) return reject(ctx, 400, 'encrypted callback but FEISHU_ENCRYPT_KEY is not configured');
      try {
        payload = JSON.parse(cipher.decrypt(envelope.encrypt));
      } catch {
        return reject(ctx, 400, 'cannot decrypt');
      }
    } else if (cipher) {
      return reject(ctx, 400, 'callbacks must be encrypted when FEISHU_ENCRYPT_KEY is set');
    }

    // URL verification carries no signature headers: the token is its proof.
    if (payload.type === 'url_verification') {
      if (!tokenMatches(config, payload.token)) return reject(ctx, 401, 'verification token mismatch');
      ctx.body = { challenge: payload.challenge };
      return;
    }
    if (config.encryptKey) {
      if (!signatureValid(ctx, config.encryptKey, body.raw)) return reject(ctx, 401, 'bad signature');
      if (!timestampRecent(ctx.get('x-lark-request-timestamp'))) return reject(ctx, 401, 'request timestamp outside the accepted window');
    }
    if (!tokenMatches(config, payload.header?.token ?? payload.token)) return reject(ctx, 401, 'verification token mismatch');

    const result = await dispatcher.invoke(payload, { needCheck: false });
    logger.debug({ eventType: payload.header?.event_type ?? payload.type }, 'feishu callback handled');
    ctx.body = result && typeof result === 'object' ? result : {};
  });
}

function reject(ctx: Context, status: number, reason: string): void {
  (ctx.state.logger as Logger).warn({ reason }, 'feishu callback rejected');
  ctx.status = status;
  ctx.body = { msg: reason };
}

function tokenMatches(config: FeishuAppConfig, token: unknown): boolean {
  if (!config.verificationToken) return true;
  return typeof token === 'string' && safeEqual(token, config.verificationToken);
}

function signatureValid(ctx: Context, encryptKey: string, rawBody: string): boolean {
  const timestamp = ctx.get('x-lark-request-timestamp');
  const nonce = ctx.get('x-lark-request-nonce');
  const signature = ctx.get('x-lark-signature');
  if (!timestamp || !signature) return false;
  const expected = createHash('sha256').update(timestamp + nonce + encryptKey + rawBody).digest('hex');
  return safeEqual(expected, signature);
}

/**
 * X-Lark-Request-Timestamp is in seconds; what is older than the dedupe retention could be a replay nobody would
 * notice, and what is dated ahead of the clock skew we allow is no genuine request of now.
 */
function timestampRecent(timestamp: string): boolean {
  const ms = Number(timestamp) * 1000;
  return Number.isFinite(ms) && Date.now() - ms <= EVENT_DEDUPE_RETENTION_MS && !datedTooFarAhead(ms);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
