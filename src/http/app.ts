import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { SourceDeps } from '../ingest/source-type.js';
import { createAdminRouter, type AdminDeps } from './admin/admin.routes.js';
import { registerHealth, type ReadinessCheck } from './health.routes.js';
import { errorMapper } from './middleware/error-mapper.js';
import { requestContext } from './middleware/request-context.js';
import { registerOpenApi } from './openapi.routes.js';
import { registerDetailsPage, type AdminRequestCheck } from './details-page/details-page.route.js';
import { ADMIN_PREFIX } from './admin/admin.routes.js';
import { adminRequestCheck } from './middleware/admin-auth.js';
import type { IncidentDetailsService } from '../services/incidents/incident-details.service.js';
import type { Context } from 'koa';
import { registerMetrics } from './metrics.route.js';
import type { IncidentLinks } from '../services/incidents/incident-links.js';
import type { AdminSessions } from '../services/admin-sessions/admin-sessions.js';
import { adminSessionReader, sessionCsrfToken } from './middleware/admin-session.js';
import { registerConsole } from './console/console.routes.js';

export interface HttpDeps extends AdminDeps, SourceDeps {
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Routes mounted by the chat platforms (callback URLs). */
  platformRoutes: Array<(router: Router) => void>;
  links: IncidentLinks;
  incidentDetails: IncidentDetailsService;
  /** Whether a Details page request is an admin's (gets the actions); default: the admin bearer token. The console passes its session check. */
  isAdminRequest?: AdminRequestCheck;
  /** The console's CSRF token for a request, for the Details page's actions. */
  csrfToken?: (ctx: Context) => string | undefined;
  metrics: Metrics;
  /** Bearer token /metrics requires, when set. */
  metricsToken?: string;
  /** Admin console sign-ins: the console's cookie is accepted by the admin API too. */
  sessions: AdminSessions;
  /** Reverse proxies in front that append to X-Forwarded-For; 0: a client's address is its connection's. */
  trustProxyHops?: number;
}

export function createHttpApp(deps: HttpDeps): Koa {
  // ctx.ip is the address the last `hops` proxies saw, never a client's own X-Forwarded-For entry: rate limits count by it.
  const hops = deps.trustProxyHops ?? 0;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  app.use(requestContext(deps.logger));
  app.use(errorMapper());
  app.use(adminSessionReader(deps.sessions));

  const publicRouter = new Router();
  registerHealth(publicRouter, deps.readiness);
  registerMetrics(publicRouter, deps.metrics, deps.metricsToken);
  deps.sources.mountRoutes(publicRouter, deps);
  registerOpenApi(publicRouter, deps.publicBaseUrl, deps.sources);
  registerDetailsPage(publicRouter, {
    details: deps.incidentDetails,
    links: deps.links,
    // The bearer token, or a console session (whose CSRF token the page's actions send back).
    isAdminRequest: deps.isAdminRequest ?? adminRequestCheck(deps.adminToken, deps.adminTokenLimiter),
    csrfToken: deps.csrfToken ?? sessionCsrfToken,
    apiPrefix: ADMIN_PREFIX,
  });
  registerConsole(publicRouter, deps);
  for (const mount of deps.platformRoutes) mount(publicRouter);
  app.use(publicRouter.routes()).use(publicRouter.allowedMethods());

  const admin = createAdminRouter(deps);
  app.use(admin.routes()).use(admin.allowedMethods());
  return app;
}
