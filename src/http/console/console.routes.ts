import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { clientAddressKey } from '../../lib/client-address.js';
import { AppError } from '../../lib/errors.js';
import { AdminSessions } from '../../services/admin-sessions/admin-sessions.js';
import type { AdminTokenLimiter } from '../../services/admin-sessions/admin-token-limiter.js';
import { jsonBody } from '../json-body.js';
import { CSRF_HEADER, adminSessionOf, sessionCookie } from '../middleware/admin-session.js';
import { setPageSecurityHeaders } from '../middleware/security-headers.js';
import { loadConsoleAssets } from './console-assets.js';
import { CONSOLE_CSP, CONSOLE_HTML, HOME_HTML } from './console-page.js';

export const CONSOLE_PATH = '/console';

const signInSchema = z.object({ token: z.string().min(1).max(500) }).strict();

export interface ConsoleDeps {
  sessions: AdminSessions;
  /** Wrong tokens per client address and in all: over the limit, sign-in answers 429. */
  adminTokenLimiter: AdminTokenLimiter;
  publicBaseUrl: string;
}

/** The admin console: its page and files, and sign-in / sign-out (a session cookie that the admin API accepts). */
export function registerConsole(router: Router, { sessions, adminTokenLimiter, publicBaseUrl }: ConsoleDeps): void {
  const assets = loadConsoleAssets();
  const secureCookie = publicBaseUrl.startsWith('https:');
  const page = (ctx: Context, html: string) => {
    setPageSecurityHeaders(ctx, CONSOLE_CSP);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    ctx.body = html;
  };

  router.get('/', (ctx) => page(ctx, HOME_HTML));
  // The page's files are addressed relative to /console/, which keeps the console working under a path prefix.
  // (The router matches both spellings on one route.)
  router.get(CONSOLE_PATH, (ctx) => (ctx.path.endsWith('/') ? page(ctx, CONSOLE_HTML) : ctx.redirect(`${CONSOLE_PATH}/`)));
  for (const folder of ['assets', 'vendor']) {
    router.get(`${CONSOLE_PATH}/${folder}/{*path}`, (ctx) => {
      const found = assets.get(`${folder}/${String(ctx.params.path)}`);
      if (!found) throw new AppError('not_found', 'no such console file');
      // Revalidated on each load (cheap 304s): a new version of the service is picked up at once, without hashed names.
      ctx.set({ 'Cache-Control': 'no-cache', ETag: found.etag, 'X-Content-Type-Options': 'nosniff' });
      ctx.type = found.type;
      if (ctx.get('if-none-match') === found.etag) {
        ctx.status = 304;
        return;
      }
      ctx.body = found.body;
    });
  }

  router.get(`${CONSOLE_PATH}/session`, async (ctx) => {
    const session = await adminSessionOf(ctx);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = session ? { signedIn: true, csrfToken: session.csrfToken, expiresAt: session.expiresAt } : { signedIn: false };
  });
  router.post(`${CONSOLE_PATH}/session`, async (ctx) => {
    const { token } = await jsonBody(ctx, signInSchema);
    const address = clientAddressKey(ctx.ip);
    // Refusals start "token: ": the console shows them next to the field.
    if (!sessions.isAdminToken(token.trim())) {
      await adminTokenLimiter.failed(address, 'console sign-in', 'token: ');
      throw new AppError('unauthorized', 'token: this is not the admin token');
    }
    await adminTokenLimiter.admit(address, 'token: ');
    const session = await sessions.signIn(token.trim());
    if (!session) throw new AppError('unauthorized', 'token: this is not the admin token');
    ctx.set('Set-Cookie', sessionCookie(session, secureCookie));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { signedIn: true, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  });
  router.delete(`${CONSOLE_PATH}/session`, async (ctx) => {
    const session = await adminSessionOf(ctx);
    if (session) {
      if (!AdminSessions.csrfMatches(session, ctx.get(CSRF_HEADER) || undefined)) {
        throw new AppError('forbidden', 'the X-CSRF-Token header is missing or does not match this console session');
      }
      await sessions.signOut(session.id);
    }
    ctx.set('Set-Cookie', sessionCookie(undefined, secureCookie));
    ctx.status = 204;
  });
}
