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
import { registerIncidentPage } from './incident-page.route.js';
import { registerMetrics } from './metrics.route.js';
import type { IncidentLinks } from '../services/incidents/incident-links.js';
import type { AdminSessions } from '../services/admin-sessions/admin-sessions.js';
import { adminSessionReader } from './middleware/admin-session.js';
import { registerConsole } from './console/console.routes.js';

export interface HttpDeps extends AdminDeps, SourceDeps {
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Routes mounted by the chat platforms (callback URLs). */
  platformRoutes: Array<(router: Router) => void>;
  links: IncidentLinks;
  metrics: Metrics;
  /** Bearer token /metrics requires, when set. */
  metricsToken?: string;
  /** Admin console sign-ins: the console's cookie is accepted by the admin API too. */
  sessions: AdminSessions;
}

export function createHttpApp(deps: HttpDeps): Koa {
  const app = new Koa({ proxy: true });
  app.use(requestContext(deps.logger));
  app.use(errorMapper());
  app.use(adminSessionReader(deps.sessions));

  const publicRouter = new Router();
  registerHealth(publicRouter, deps.readiness);
  registerMetrics(publicRouter, deps.metrics, deps.metricsToken);
  deps.sources.mountRoutes(publicRouter, deps);
  registerOpenApi(publicRouter, deps.publicBaseUrl, deps.sources);
  registerIncidentPage(publicRouter, deps.incidents, deps.links);
  registerConsole(publicRouter, deps);
  for (const mount of deps.platformRoutes) mount(publicRouter);
  app.use(publicRouter.routes()).use(publicRouter.allowedMethods());

  const admin = createAdminRouter(deps);
  app.use(admin.routes()).use(admin.allowedMethods());
  return app;
}
