import type { Context, Middleware } from 'koa';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { storeUnavailable, unreachableStore } from '../../lib/store-outage.js';

/**
 * Admin/API errors as `{"error":{"code","message"}}` (plus `details` when the error gives them: a template's line);
 * the database or Redis away is a 503 naming it; anything else unexpected is logged and answered 500 without details.
 */
export function errorMapper(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof AppError) return answer(ctx, error);
      const store = unreachableStore(error);
      if (store) {
        (ctx.state.logger as Logger).warn({ err: (error as Error).message, path: ctx.path }, `request failed: ${store} does not answer`);
        return answer(ctx, storeUnavailable(store));
      }
      (ctx.state.logger as Logger).error({ err: error, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal', message: 'internal error' } };
    }
  };
}

function answer(ctx: Context, error: AppError): void {
  ctx.status = error.httpStatus;
  if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  ctx.body = { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
}
