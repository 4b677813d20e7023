import type Router from '@koa/router';
import { AppError } from '../../lib/errors.js';
import { readBody } from '../../lib/read-body.js';
import type { BotMappingTableService } from '../../services/bots/bot-mapping-tables.service.js';
import { jsonBody, pathId } from '../json-body.js';
import { mappingImportSchema, mappingTableInputSchema, parseMappingCsv } from './mapping-import.js';

const CSV_BODY_LIMIT = 1024 * 1024;

/** Mapping tables (member email → IM user id) for group bots' @mentions, with bulk import as JSON or CSV. */
export function registerBotMappingAdmin(router: Router, tables: BotMappingTableService): void {
  router.get('/bot-mapping-tables', async (ctx) => {
    ctx.body = { items: await tables.list() };
  });
  router.post('/bot-mapping-tables', async (ctx) => {
    const input = await jsonBody(ctx, mappingTableInputSchema);
    ctx.status = 201;
    ctx.body = await tables.create(input.name, input.kind);
  });
  router.get('/bot-mapping-tables/:id', async (ctx) => {
    const id = pathId(ctx);
    ctx.body = { ...(await tables.get(id)), rows: (await tables.rows(id)).map(({ email, userId }) => ({ email, userId })) };
  });
  router.delete('/bot-mapping-tables/:id', async (ctx) => {
    await tables.remove(pathId(ctx));
    ctx.status = 204;
  });
  /** JSON `{rows:[{email,userId}], replace?}` or `text/csv` (`?replace=true`); answers what was written and the emails no member has. */
  router.post('/bot-mapping-tables/:id/rows', async (ctx) => {
    const id = pathId(ctx);
    if (ctx.request.type === 'text/csv') {
      const body = await readBody(ctx.req, CSV_BODY_LIMIT);
      if (!body.ok) throw new AppError('validation', body.reason === 'too_large' ? 'body: larger than 1 MiB' : 'body: request aborted');
      ctx.body = await tables.import(id, parseMappingCsv(body.raw), ctx.query.replace === 'true');
      return;
    }
    const input = await jsonBody(ctx, mappingImportSchema);
    ctx.body = await tables.import(id, input.rows, input.replace);
  });
}
