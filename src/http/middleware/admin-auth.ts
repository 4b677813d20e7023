import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../lib/errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Whether a request carries `Authorization: Bearer <token>` (compared in constant time). */
export function bearerCheck(token: string): (ctx: Context) => boolean {
  const expected = digest(token);
  return (ctx) => {
    const match = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
    return Boolean(match) && timingSafeEqual(digest(match![1].trim()), expected);
  };
}

/** 401 unless the request carries `Authorization: Bearer <token>`; `hint` tells the caller which token. */
export function bearerAuth(token: string, hint: string): Middleware {
  const authorized = bearerCheck(token);
  return async (ctx, next) => {
    if (!authorized(ctx)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="oncall-im"');
      throw new AppError('unauthorized', hint);
    }
    await next();
  };
}

export function adminAuth(adminToken: string): Middleware {
  return bearerAuth(adminToken, 'a valid admin bearer token is required (Authorization: Bearer <ADMIN_TOKEN>)');
}
