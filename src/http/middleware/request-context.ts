import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { maskPath, type Logger } from '../../lib/logger.js';

/** Request id, access log (with integration keys masked) and the request's own child logger. */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const requestId = /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ requestId });
    ctx.set('x-request-id', requestId);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const log = ctx.state.logger as Logger;
      log.debug({ method: ctx.method, path: maskPath(ctx.path), status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
    }
  };
}
