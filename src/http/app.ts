import Koa from 'koa';
import Router from '@koa/router';
import type { Logger } from '../lib/logger.js';
import { registerFeishuWebhook, type FeishuWebhookDeps } from '../ingest/feishu-webhook/feishu-webhook.route.js';
import { createAdminRouter, type AdminDeps } from './admin/admin.routes.js';
import { registerHealth, type ReadinessCheck } from './health.routes.js';
import { errorMapper } from './middleware/error-mapper.js';
import { requestContext } from './middleware/request-context.js';
import { registerOpenApi } from './openapi.routes.js';
import { registerIncidentPage } from './incident-page.route.js';
import type { IncidentLinks } from '../services/incidents/incident-links.js';

export interface HttpDeps extends AdminDeps, FeishuWebhookDeps {
  logger: Logger;
  readiness: ReadinessCheck[];
  /** Routes mounted by the chat platforms (callback URLs). */
  platformRoutes: Array<(router: Router) => void>;
  links: IncidentLinks;
}

export function createHttpApp(deps: HttpDeps): Koa {
  const app = new Koa({ proxy: true });
  app.use(requestContext(deps.logger));
  app.use(errorMapper());

  const publicRouter = new Router();
  registerHealth(publicRouter, deps.readiness);
  registerFeishuWebhook(publicRouter, deps);
  registerOpenApi(publicRouter, deps.publicBaseUrl);
  registerIncidentPage(publicRouter, deps.incidents, deps.links);
  for (const mount of deps.platformRoutes) mount(publicRouter);
  app.use(publicRouter.routes()).use(publicRouter.allowedMethods());

  const admin = createAdminRouter(deps);
  app.use(admin.routes()).use(admin.allowedMethods());
  return app;
}
