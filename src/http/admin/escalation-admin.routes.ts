import type Router from '@koa/router';
import { AppError } from '../../lib/errors.js';
import type { EscalationRuleService } from '../../services/escalation/escalation-rule.service.js';
import { jsonBody, pathId } from '../json-body.js';
import { escalationDryRunSchema, escalationRuleInputSchema } from './schemas.js';
import type { EscalationDryRun } from '../../services/escalation/escalation-dry-run.js';
import type { ChannelService } from '../../services/catalog/channel.service.js';

export function registerEscalationAdmin(router: Router, rules: EscalationRuleService, dryRun: EscalationDryRun, channels: ChannelService): void {
  /** Who would be paged when, for an incident now (or a sample): reads only. */
  router.post('/escalation-rules/dry-run', async (ctx) => {
    const input = await jsonBody(ctx, escalationDryRunSchema);
    await channels.get(input.channelId).catch((error: unknown) => {
      throw error instanceof AppError && error.code === 'not_found' ? new AppError('validation', `channelId: ${error.message}`) : error;
    });
    ctx.body = await dryRun.run(input);
  });
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
