import type Router from '@koa/router';
import type { SourceRegistry } from '../ingest/source-registry.js';
import { buildOpenApiDocument } from './openapi.js';

export function registerOpenApi(router: Router, publicBaseUrl: string, sources: SourceRegistry): void {
  const document = buildOpenApiDocument(publicBaseUrl, sources);
  router.get('/api/v1/openapi.json', (ctx) => {
    ctx.body = document;
  });
}
