import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../lib/errors.js';
import { AdminSessions } from '../../services/admin-sessions/admin-sessions.js';
import { CSRF_HEADER, adminSessionOf } from './admin-session.js';

const digest = (value: string) => createHash('sha256').update(value).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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

/**
 * The admin bearer token, or a console session cookie. A change made with the cookie must also carry the session's
 * CSRF token in X-CSRF-Token: a page on another site can make the browser send the cookie, never that header.
 */
export function adminAuth(adminToken: string): Middleware {
  const carriesBearer = bearerCheck(adminToken);
  return async (ctx, next) => {
    if (carriesBearer(ctx)) return next();
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

/** Whether the request is an admin's: the bearer token or a valid console session (the Details page shows actions). */
export function adminRequestCheck(adminToken: string): (ctx: Context) => Promise<boolean> {
  const carriesBearer = bearerCheck(adminToken);
  return async (ctx) => carriesBearer(ctx) || (await adminSessionOf(ctx)) !== undefined;
}
