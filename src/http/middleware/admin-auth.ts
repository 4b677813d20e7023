import { timingSafeEqual, createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { clientAddressKey } from '../../lib/client-address.js';
import { AppError } from '../../lib/errors.js';
import { AdminSessions } from '../../services/admin-sessions/admin-sessions.js';
import type { AdminTokenLimiter } from '../../services/admin-sessions/admin-token-limiter.js';
import { CSRF_HEADER, adminSessionOf } from './admin-session.js';

const digest = (value: string) => createHash('sha256').update(value).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request carries `Authorization: Bearer <token>`, another token, or none (compared in constant time). */
export function bearerOf(token: string): (ctx: Context) => 'right' | 'wrong' | 'none' {
  const expected = digest(token);
  return (ctx) => {
    const match = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'));
    if (!match) return 'none';
    return timingSafeEqual(digest(match[1].trim()), expected) ? 'right' : 'wrong';
  };
}

/** Whether a request carries `Authorization: Bearer <token>` (compared in constant time). */
export function bearerCheck(token: string): (ctx: Context) => boolean {
  const bearer = bearerOf(token);
  return (ctx) => bearer(ctx) === 'right';
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
 * Wrong bearer tokens count against the sign-in limits of the client's address (429 once over them).
 */
export function adminAuth(adminToken: string, limiter: AdminTokenLimiter): Middleware {
  const bearer = bearerOf(adminToken);
  return async (ctx, next) => {
    const presented = bearer(ctx);
    if (presented === 'right') {
      await limiter.admit(clientAddressKey(ctx.ip));
      return next();
    }
    if (presented === 'wrong') await limiter.failed(clientAddressKey(ctx.ip), 'admin API');
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

/**
 * Whether the request is an admin's: the bearer token or a valid console session (the Details page shows actions).
 * Never refuses the page: over the limits, or while sessions cannot be checked, it is shown without the actions.
 */
export function adminRequestCheck(adminToken: string, limiter: AdminTokenLimiter): (ctx: Context) => Promise<boolean> {
  const bearer = bearerOf(adminToken);
  return async (ctx) => {
    try {
      const presented = bearer(ctx);
      if (presented === 'right') return await limiter.admit(clientAddressKey(ctx.ip)).then(() => true);
      if (presented === 'wrong') await limiter.failed(clientAddressKey(ctx.ip), 'Details page');
      return (await adminSessionOf(ctx)) !== undefined;
    } catch (error) {
      if (error instanceof AppError && (error.code === 'rate_limited' || error.code === 'unavailable')) return false;
      throw error;
    }
  };
}
