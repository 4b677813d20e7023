import type Router from '@koa/router';
import { buildOpenApiDocument } from './openapi.js';

export function registerOpenApi(router: Router, publicBaseUrl: string): void {
  const document = buildOpenApiDocument(publicBaseUrl);
  router.get('/api/v1/openapi.json', (ctx) => {
    ctx.body = document;
  });
}
