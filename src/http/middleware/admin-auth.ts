import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../lib/errors.js';
import { AdminSessions } from '../../services/admin-sessions/admin-sessions.js';
import { CSRF_HEADER, adminSessionOf } from './admin-session.js';

const digest = (value: string) => createHash('sha256').update(value).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function carriesBearer(ctx: Context, expected: Buffer): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
  return Boolean(match) && timingSafeEqual(digest(match![1].trim()), expected);
}

/** 401 unless the request carries `Authorization: Bearer <token>`; `hint` tells the caller which token. */
export function bearerAuth(token: string, hint: string): Middleware {
  const expected = digest(token);
  return async (ctx, next) => {
    if (!carriesBearer(ctx, expected)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="oncall-im"');
      throw new AppError('unauthorized', hint);
    }
    await next();
  };
}

/**
 * The admin bearer token, or a console session cookie. A change made with the cookie must also carry the session's
 * CSRF token in X-CSRF-Token: a page on another site can make the browser send the cookie, never that header.
 */
export function adminAuth(adminToken: string): Middleware {
  const expected = digest(adminToken);
  return async (ctx, next) => {
    if (carriesBearer(ctx, expected)) return next();
    const session = await adminSessionOf(ctx);
    if (!session) {
      ctx.set('WWW-Authenticate', 'Bearer realm="oncall-im"');
      throw new AppError('unauthorized', 'a valid admin bearer token is required (Authorization: Bearer <ADMIN_TOKEN>), or a console session');
    }
    if (!SAFE_METHODS.has(ctx.method) && !AdminSessions.csrfMatches(session, ctx.get(CSRF_HEADER) || undefined)) {
      throw new AppError('forbidden', 'the X-CSRF-Token header is missing or does not match this console session');
    }
    return next();
  };
}
