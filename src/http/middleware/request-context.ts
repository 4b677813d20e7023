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
    // Made on first use: most requests log nothing, and a child logger per request showed in the ingest profile.
    let child: Logger | undefined;
    Object.defineProperty(ctx.state, 'logger', { get: () => (child ??= logger.child({ requestId })), configurable: true, enumerable: true });
    ctx.set('x-request-id', requestId);
    try {
      await next();
    } finally {
      if (logger.isLevelEnabled('debug')) {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        (ctx.state.logger as Logger).debug({ method: ctx.method, path: maskPath(ctx.path), status: ctx.status, ms: Math.round(ms * 10) / 10 }, 'request');
      }
    }
  };
}
