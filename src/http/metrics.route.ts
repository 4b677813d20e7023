import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Metrics } from '../lib/metrics.js';
import { bearerAuth } from './middleware/admin-auth.js';

/** Prometheus scrape endpoint; with `token` set, scrapers must send it as a bearer token. */
export function registerMetrics(router: Router, metrics: Metrics, token?: string): void {
  const serve: Middleware = async (ctx) => {
    const { contentType, body } = await metrics.scrape();
    ctx.type = contentType;
    ctx.body = body;
  };
  if (token) router.get('/metrics', bearerAuth(token, 'a valid metrics bearer token is required (Authorization: Bearer <METRICS_TOKEN>)'), serve);
  else router.get('/metrics', serve);
}
