import type Router from '@koa/router';
import type { Context } from 'koa';
import type { IncidentDetailsService } from '../../services/incidents/incident-details.service.js';
import type { IncidentLinks } from '../../services/incidents/incident-links.js';
import { zonedDateTime } from '../../rendering/zoned-time.js';
import { idParam } from '../json-body.js';
import { DETAILS_PAGE_CSS, DETAILS_PAGE_JS, DETAILS_PAGE_SCRIPT_PATH, DETAILS_PAGE_STYLE_PATH } from './details-page.assets.js';
import { detailsPage, messagePage } from './details-page.html.js';

/** Whether a request comes from a signed-in admin (the console's session, or the admin bearer token). */
export type AdminRequestCheck = (ctx: Context) => boolean | Promise<boolean>;

export interface DetailsPageDeps {
  details: IncidentDetailsService;
  links: IncidentLinks;
  /** Admins get the actions on the page. */
  isAdminRequest: AdminRequestCheck;
  /** The console's CSRF token for this request, sent back by the page's action script as `x-csrf-token`. */
  csrfToken?: (ctx: Context) => string | undefined;
  apiPrefix: string;
  now?: () => Date;
}

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The URL carries the link's signature: it must not travel in a Referer, be framed, cached or sniffed. */
function securityHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', 'no-store');
}

function answer(ctx: Context, status: number, body: string): void {
  securityHeaders(ctx);
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body;
}

/** The Details page a card's button opens: the signed link is the way in; it stops working a while after the close. */
export function registerDetailsPage(router: Router, deps: DetailsPageDeps): void {
  const now = deps.now ?? (() => new Date());
  const asset = (path: string, type: string, body: string) =>
    router.get(path, (ctx) => {
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.type = type;
      ctx.body = body;
    });
  asset(DETAILS_PAGE_STYLE_PATH, 'text/css; charset=utf-8', DETAILS_PAGE_CSS);
  asset(DETAILS_PAGE_SCRIPT_PATH, 'text/javascript; charset=utf-8', DETAILS_PAGE_JS);

  router.get('/incidents/:id', async (ctx) => {
    const id = idParam.safeParse(ctx.params.id);
    const signature = typeof ctx.query.sig === 'string' ? ctx.query.sig : '';
    // An unknown incident and a bad signature look the same: nobody learns which incidents exist.
    const notFound = () => answer(ctx, 404, messagePage('Link not valid', 'This Details link is not valid. Open the incident from its card in the chat.'));
    if (!id.success || !deps.links.verify(id.data, signature)) return notFound();
    const details = await deps.details.read(id.data);
    if (!details) return notFound();
    const { incident } = details;
    if (deps.links.expired(incident)) {
      const closed = zonedDateTime(incident.closedAt!, details.channel?.timeZone ?? 'UTC');
      return answer(ctx, 410, messagePage('Link expired', `Incident #${incident.id} was closed ${closed}; its Details link has expired. An admin can still open it in the console, and the link works again if the incident is reopened.`));
    }
    const admin = await deps.isAdminRequest(ctx);
    answer(
      ctx,
      200,
      detailsPage(details, { now: now(), linkExpiresAt: deps.links.expiresAt(incident), admin: admin ? { csrfToken: deps.csrfToken?.(ctx) } : undefined, apiPrefix: deps.apiPrefix }),
    );
  });
}
