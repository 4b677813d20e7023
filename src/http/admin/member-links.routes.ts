import type Router from '@koa/router';
import { z } from 'zod';
import { PLATFORM_NAMES } from '../../domain/platform-name.js';
import type { MemberLinkHealth } from '../../services/identity/member-link-health.js';
import { jsonBody } from '../json-body.js';

export const autoLinkSchema = z
  .object({
    platform: z.enum(PLATFORM_NAMES).optional(),
    memberIds: z.array(z.number().int().positive()).min(1).max(1000).optional(),
  })
  .strict();

/** Members not linked on each IM, and "link by email/mobile" over them. */
export function registerMemberLinks(router: Router, linkHealth: MemberLinkHealth): void {
  router.get('/members/link-health', async (ctx) => {
    ctx.body = await linkHealth.health();
  });
  router.post('/members/auto-link', async (ctx) => {
    ctx.body = await linkHealth.autoLink(await jsonBody(ctx, autoLinkSchema));
  });
}
