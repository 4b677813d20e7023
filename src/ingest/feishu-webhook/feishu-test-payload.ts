import type { Integration } from '../../db/entities/integration.entity.js';
import type { TestPayloadReading } from '../source-type.js';
import { FEISHU_CODES, FEISHU_MAX_BODY_BYTES, FeishuRejection } from './feishu-protocol.js';
import { FEISHU_SEVERITY, readFeishuAlert } from './feishu-webhook.route.js';

/**
 * A v2 body read exactly as the hook reads it, except the signature: the admin sending it is authenticated already,
 * and the signing secret is write-only, so the console could not sign it.
 */
export function readFeishuTestPayload(integration: Integration, raw: string): TestPayloadReading {
  // What the hook answers a disabled integration's URL: the sender would see this.
  if (!integration.enabled) return { ok: false, error: { code: FEISHU_CODES.tokenInvalid, msg: 'param invalid: incoming webhook access token invalid' } };
  if (Buffer.byteLength(raw) > FEISHU_MAX_BODY_BYTES) return { ok: false, error: { code: FEISHU_CODES.badRequest, msg: 'Bad Request: the body is over 20 KB' } };
  try {
    return { ok: true, message: readFeishuAlert(raw, integration, 'v2', { checkSign: false }), severity: FEISHU_SEVERITY };
  } catch (error) {
    if (error instanceof FeishuRejection) return { ok: false, error: { code: error.code, msg: error.message } };
    throw error;
  }
}
