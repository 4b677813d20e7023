import type Router from '@koa/router';
import { webhookBotView, type WebhookBotService } from '../../services/bots/webhook-bot.service.js';
import { jsonBody, pathId } from '../json-body.js';
import { webhookBotInputSchema, webhookBotPatchSchema } from './webhook-bot-schemas.js';

/** A channel's group bots; secrets are accepted, never shown. */
export function registerWebhookBotAdmin(router: Router, bots: WebhookBotService): void {
  router.get('/channels/:id/bots', async (ctx) => {
    ctx.body = { items: (await bots.list(pathId(ctx))).map(webhookBotView) };
  });
  router.post('/channels/:id/bots', async (ctx) => {
    const channelId = pathId(ctx);
    const input = await jsonBody(ctx, webhookBotInputSchema);
    ctx.status = 201;
    ctx.body = webhookBotView(await bots.create(channelId, input));
  });
  router.get('/bots/:id', async (ctx) => {
    ctx.body = webhookBotView(await bots.get(pathId(ctx)));
  });
  router.patch('/bots/:id', async (ctx) => {
    const id = pathId(ctx);
    ctx.body = webhookBotView(await bots.update(id, await jsonBody(ctx, webhookBotPatchSchema)));
  });
  router.delete('/bots/:id', async (ctx) => {
    await bots.remove(pathId(ctx));
    ctx.status = 204;
  });
  /** Sends a test message now and reports what the platform answered (200 either way: the answer is the result). */
  router.post('/bots/:id/test', async (ctx) => {
    ctx.body = await bots.test(pathId(ctx));
  });
  router.get('/bots/:id/deliveries', async (ctx) => {
    ctx.body = { items: await bots.deliveriesOf(pathId(ctx)) };
  });
}
