import type { Middleware } from 'koa';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';

/** Admin/API errors as `{"error":{"code","message"}}` (plus `details` when the error gives them: a template's line); anything unexpected is logged and answered 500 without details. */
export function errorMapper(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof AppError) {
        ctx.status = error.httpStatus;
        ctx.body = { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } };
        return;
      }
      (ctx.state.logger as Logger).error({ err: error, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal', message: 'internal error' } };
    }
  };
}
