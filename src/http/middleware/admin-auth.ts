import { timingSafeEqual, createHash } from 'node:crypto';
import type { Middleware } from 'koa';
import { AppError } from '../../lib/errors.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** 401 unless the request carries `Authorization: Bearer <token>`; `hint` tells the caller which token. */
export function bearerAuth(token: string, hint: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    const match = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
    if (!match || !timingSafeEqual(digest(match[1].trim()), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="oncall-im"');
      throw new AppError('unauthorized', hint);
    }
    await next();
  };
}

export function adminAuth(adminToken: string): Middleware {
  return bearerAuth(adminToken, 'a valid admin bearer token is required (Authorization: Bearer <ADMIN_TOKEN>)');
}
