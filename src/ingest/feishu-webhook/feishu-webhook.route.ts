import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Integration } from '../../db/entities/integration.entity.js';
import type { InboundMessage } from '../../domain/integration-settings.js';
import type { Logger } from '../../lib/logger.js';
import { nestsDeeperThan } from '../../lib/json-depth.js';
import { readBody } from '../../lib/read-body.js';
import type { SourceDeps } from '../source-type.js';
import { feishuKeywordText } from './feishu-keywords.js';
import { parseFeishuMessage, parseLegacyFeishuMessage } from './feishu-message.parser.js';
import {
  FEISHU_CODES,
  FEISHU_MAX_BODY_BYTES,
  FEISHU_MAX_JSON_DEPTH,
  FeishuRejection,
  feishuFailure,
  feishuSuccess,
  tooDeep,
  type FeishuAnswer,
} from './feishu-protocol.js';
import { FEISHU_TYPE, feishuSettings } from './feishu-settings.js';
import { verifyFeishuSign } from './feishu-signature.js';

export const FEISHU_HOOK_PATH = '/open-apis/bot/v2/hook';
export const FEISHU_LEGACY_HOOK_PATH = '/open-apis/bot/hook';

export type FeishuWebhookDeps = SourceDeps;

export type HookVersion = 'v2' | 'v1';

/** Feishu alerts always arrive as Warning. */
export const FEISHU_SEVERITY = 'warning';

/** The Feishu-compatible custom-bot endpoint: speaks Feishu's request and answer shapes, codes included. */
export function registerFeishuWebhook(router: Router, deps: FeishuWebhookDeps): void {
  router.post(`${FEISHU_HOOK_PATH}/:key`, (ctx) => handle(ctx, deps, 'v2'));
  router.post(`${FEISHU_LEGACY_HOOK_PATH}/:key`, (ctx) => handle(ctx, deps, 'v1'));
}

async function handle(ctx: Context, deps: FeishuWebhookDeps, version: HookVersion): Promise<void> {
  const logger = ctx.state.logger as Logger;
  ctx.status = 200;
  let integrationId: number | undefined;
  try {
    const integration = await deps.integrations.findByKey(String(ctx.params.key));
    // Another type's key is as unknown here as a made-up one.
    if (!integration || !integration.enabled || integration.type !== FEISHU_TYPE) {
      ctx.req.resume();
      throw new FeishuRejection(FEISHU_CODES.tokenInvalid, 'param invalid: incoming webhook access token invalid');
    }
    integrationId = integration.id;
    const { message, raw } = await readMessage(ctx, integration, version);
    const outcome = await deps.ingest.ingest({ integration, message, severity: FEISHU_SEVERITY, rawPayload: raw });
    logger.info({ integrationId: integration.id, ...outcome }, 'feishu alert received');
    deps.metrics.alertAccepted(integration.id);
    ctx.body = feishuSuccess();
  } catch (error) {
    if (error instanceof FeishuRejection) {
      logger.info({ code: error.code, reason: error.message }, 'feishu alert rejected');
      deps.metrics.alertRejected(integrationId, error.code);
      ctx.body = error.toAnswer() satisfies FeishuAnswer;
      return;
    }
    // Our failure, not the sender's: a 5xx so senders that retry do, and still a body in Feishu's shape.
    logger.error({ err: error }, 'feishu alert not stored');
    deps.metrics.alertFailed(integrationId);
    ctx.status = 500;
    ctx.body = feishuFailure(FEISHU_CODES.internal, 'internal error: the alert was not stored, send it again') satisfies FeishuAnswer;
  }
}

async function readMessage(ctx: Context, integration: Integration, version: HookVersion): Promise<{ message: InboundMessage; raw: string }> {
  const body = await readBody(ctx.req, FEISHU_MAX_BODY_BYTES);
  if (!body.ok) {
    throw new FeishuRejection(FEISHU_CODES.badRequest, body.reason === 'too_large' ? 'Bad Request: the body is over 20 KB' : 'Bad Request: request aborted');
  }
  return { message: readFeishuAlert(body.raw, integration, version, { checkSign: true }), raw: body.raw };
}

/**
 * A received body as an alert message, or the FeishuRejection Feishu would answer: JSON, depth, signature (unless
 * `checkSign` is off: a test payload from the admin API), message shape, keywords. Shared by intake and its preview.
 */
export function readFeishuAlert(raw: string, integration: Integration, version: HookVersion, options: { checkSign: boolean }): InboundMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new FeishuRejection(FEISHU_CODES.badRequest, 'Bad Request: the body is not valid JSON');
  }
  if (nestsDeeperThan(parsed, FEISHU_MAX_JSON_DEPTH)) throw tooDeep();
  const { signingSecret } = feishuSettings(integration);
  if (signingSecret && options.checkSign) {
    const { timestamp, sign } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (!verifyFeishuSign(signingSecret, timestamp, sign)) {
      throw new FeishuRejection(FEISHU_CODES.signMismatch, 'sign match fail or timestamp is not within one hour from current time');
    }
  }
  const message = version === 'v2' ? parseFeishuMessage(parsed, integration.messageFormat) : parseLegacyFeishuMessage(parsed);
  if (integration.keywords.length > 0) {
    const text = feishuKeywordText(parsed, version);
    if (!integration.keywords.some((keyword) => text.includes(keyword))) {
      throw new FeishuRejection(FEISHU_CODES.keywordsNotFound, 'Key Words Not Found');
    }
  }
  return message;
}
