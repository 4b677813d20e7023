import type Router from '@koa/router';
import type { Context } from 'koa';
import type { MessageTemplateService } from '../../services/templates/message-templates.service.js';
import type { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { jsonBody, pathId } from '../json-body.js';
import { templateEventSchema, templateInputSchema, templateKindSchema, templatePreviewSchema } from './template-schemas.js';

function pathEnum<T extends z.ZodEnum>(ctx: Context, name: string, schema: T): z.output<T> {
  const parsed = schema.safeParse(ctx.params[name]);
  if (!parsed.success) throw new AppError('validation', `${name}: must be one of ${schema.options.join(', ')}`);
  return parsed.data;
}

const kindAndEvent = (ctx: Context) => ({ kind: pathEnum(ctx, 'kind', templateKindSchema), event: pathEnum(ctx, 'event', templateEventSchema) });

/** A channel's own message templates per destination kind and event; without one the built-in template is used. */
export function registerTemplateAdmin(router: Router, templates: MessageTemplateService): void {
  router.get('/template-defaults', (ctx) => {
    ctx.body = { items: templates.defaults() };
  });
  router.get('/channels/:id/templates', async (ctx) => {
    ctx.body = { items: await templates.list(pathId(ctx)) };
  });
  // Before the :kind/:event routes: "preview" is no kind.
  router.post('/channels/:id/templates/preview', async (ctx) => {
    const channelId = pathId(ctx);
    ctx.body = { items: await templates.preview(channelId, await jsonBody(ctx, templatePreviewSchema)) };
  });
  router.get('/channels/:id/templates/:kind/:event', async (ctx) => {
    const { kind, event } = kindAndEvent(ctx);
    ctx.body = await templates.get(pathId(ctx), kind, event);
  });
  router.put('/channels/:id/templates/:kind/:event', async (ctx) => {
    const channelId = pathId(ctx);
    const { kind, event } = kindAndEvent(ctx);
    const { source } = await jsonBody(ctx, templateInputSchema);
    const saved = await templates.save(channelId, kind, event, source);
    ctx.status = saved.created ? 201 : 200;
    ctx.body = { ...saved.template, warnings: saved.warnings };
  });
  router.delete('/channels/:id/templates/:kind/:event', async (ctx) => {
    const channelId = pathId(ctx);
    const { kind, event } = kindAndEvent(ctx);
    await templates.remove(channelId, kind, event);
    ctx.status = 204;
  });
}
