import type Router from '@koa/router';
import type { EscalationRuleService } from '../../services/escalation/escalation-rule.service.js';
import { jsonBody, pathId } from '../json-body.js';
import { escalationRuleInputSchema } from './schemas.js';

export function registerEscalationAdmin(router: Router, rules: EscalationRuleService): void {
  router.get('/channels/:id/escalation-rules', async (ctx) => {
    ctx.body = { items: await rules.list(pathId(ctx)) };
  });
  router.post('/channels/:id/escalation-rules', async (ctx) => {
    const channelId = pathId(ctx);
    const input = await jsonBody(ctx, escalationRuleInputSchema);
    ctx.status = 201;
    ctx.body = await rules.create(channelId, input);
  });
  router.get('/escalation-rules/:id', async (ctx) => {
    ctx.body = await rules.get(pathId(ctx));
  });
  /** A whole rule: running escalations keep the copy they started with. */
  router.put('/escalation-rules/:id', async (ctx) => {
    const id = pathId(ctx);
    ctx.body = await rules.update(id, await jsonBody(ctx, escalationRuleInputSchema));
  });
  router.delete('/escalation-rules/:id', async (ctx) => {
    await rules.remove(pathId(ctx));
    ctx.status = 204;
  });
}
