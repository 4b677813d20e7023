import type { Context, Middleware } from 'koa';
import type { AdminSession, AdminSessions } from '../../services/admin-sessions/admin-sessions.js';

/** The console's session cookie: HttpOnly, SameSite=Strict, on every path (the Details page reads it too). */
export const SESSION_COOKIE = 'oncall_console_session';
export const CSRF_HEADER = 'x-csrf-token';

const LOOKUP = 'adminSessionLookup';
const FOUND = 'adminSession';

/**
 * Makes the request's console session available to every route, looked up at most once and only when asked for
 * (an alert webhook never pays for it).
 */
export function adminSessionReader(sessions: AdminSessions): Middleware {
  return async (ctx, next) => {
    let found: Promise<AdminSession | undefined> | undefined;
    ctx.state[LOOKUP] = () => {
      found ??= sessions.find(ctx.cookies.get(SESSION_COOKIE) ?? '').then((session) => (ctx.state[FOUND] = session));
      return found;
    };
    await next();
  };
}

/** The valid console session the request carries (its cookie), or undefined. */
export async function adminSessionOf(ctx: Context): Promise<AdminSession | undefined> {
  const lookup = ctx.state[LOOKUP] as (() => Promise<AdminSession | undefined>) | undefined;
  return lookup ? lookup() : undefined;
}

/** Whether the request carries a valid, unexpired admin console session (for pages that show admin actions). */
export async function hasAdminSession(ctx: Context): Promise<boolean> {
  return (await adminSessionOf(ctx)) !== undefined;
}

/** The CSRF token of the request's session once it was looked up (adminSessionOf, hasAdminSession), else undefined. */
export function sessionCsrfToken(ctx: Context): string | undefined {
  return (ctx.state[FOUND] as AdminSession | undefined)?.csrfToken;
}

/** The Set-Cookie value for a session (or, without one, the value that clears it). */
export function sessionCookie(session: AdminSession | undefined, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  if (!session) return [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ');
  const maxAge = Math.max(0, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
  return [`${SESSION_COOKIE}=${session.id}`, `Max-Age=${maxAge}`, ...attributes].join('; ');
}
