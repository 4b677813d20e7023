import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { ChatBindingService } from '../../services/chat/chat-binding.service.js';
import type { ChatInteractionService } from '../../services/chat/chat-interaction.service.js';
import type { IdentityService } from '../../services/identity/identity.service.js';
import type { MemberService } from '../../services/catalog/member.service.js';
import { PLATFORM_NAMES, type PlatformName } from '../../domain/platform-name.js';
import { AppError } from '../../lib/errors.js';
import { jsonBody, pathId } from '../json-body.js';

export interface ChatAdminDeps {
  bindings: ChatBindingService;
  identities: IdentityService;
  interactions: ChatInteractionService;
  members: MemberService;
}

const platform = z.enum(PLATFORM_NAMES);

export const chatBindingInputSchema = z
  .object({ platform, chatId: z.string().trim().min(1).max(128), channelId: z.number().int().positive(), chatName: z.string().max(200).default('') })
  .strict();

/**
 * Flashduty-style "mapping data": member (by id or email) → IM account, by its primary id (`externalId`: Feishu
 * open_id, Slack user id) and/or an alternate id (`userId` / `unionId`: Feishu user_id / union_id); with none, the IM
 * user with the member's email.
 */
export const identityMappingSchema = z
  .object({
    platform,
    mappings: z
      .array(
        z
          .object({
            externalId: z.string().trim().min(1).max(128).optional(),
            userId: z.string().trim().min(1).max(128).optional(),
            unionId: z.string().trim().min(1).max(128).optional(),
            memberId: z.number().int().positive().optional(),
            memberEmail: z.email().optional(),
          })
          .refine((mapping) => mapping.memberId !== undefined || mapping.memberEmail !== undefined, 'needs memberId or memberEmail'),
      )
      .min(1)
      .max(1000),
  })
  .strict();

export const linkCodeRedeemSchema = z.object({ memberId: z.number().int().positive() }).strict();

export function registerChatAdmin(router: Router, deps: ChatAdminDeps): void {
  router.get('/chat-bindings', async (ctx) => {
    ctx.body = { items: await deps.bindings.list() };
  });
  router.post('/chat-bindings', async (ctx) => {
    const input = await jsonBody(ctx, chatBindingInputSchema);
    const { binding } = await deps.bindings.bind(input.platform, input.chatId, input.channelId, input.chatName).catch(notFoundAsValidation('channelId'));
    ctx.status = 201;
    ctx.body = binding;
  });
  router.delete('/chat-bindings/:id', async (ctx) => {
    await deps.bindings.removeById(pathId(ctx));
    ctx.status = 204;
  });

  router.post('/im-identities', async (ctx) => {
    const input = await jsonBody(ctx, identityMappingSchema);
    const members = await deps.members.list();
    const linked = [];
    for (const [index, mapping] of input.mappings.entries()) {
      const member = members.find((candidate) =>
        mapping.memberId !== undefined ? candidate.id === mapping.memberId : candidate.email?.toLowerCase() === mapping.memberEmail!.toLowerCase(),
      );
      if (!member) throw new AppError('validation', `mappings.${index}: no member with ${mapping.memberId ?? mapping.memberEmail}`);
      const alternateIds = { userId: mapping.userId, unionId: mapping.unionId };
      if (mapping.externalId !== undefined) {
        linked.push(await deps.identities.link(input.platform, mapping.externalId, member.id, 'admin', alternateIds));
        continue;
      }
      if (mapping.userId !== undefined || mapping.unionId !== undefined) {
        linked.push(...(await deps.identities.linkByAlternateIds(input.platform, alternateIds, member.id)));
        continue;
      }
      if (!deps.identities.canFindByEmail(input.platform)) {
        throw new AppError('validation', `mappings.${index}.externalId: needed, ${input.platform} users cannot be looked up by email here`);
      }
      if (!member.email) throw new AppError('validation', `mappings.${index}.externalId: needed, member ${member.id} has no email`);
      const found = await deps.identities.linkMemberByEmail(input.platform, member, 'admin').catch((error: unknown) => {
        throw new AppError('internal', `mappings.${index}: looking up ${member.email} on ${input.platform} failed (${error instanceof Error ? error.message : String(error)})`);
      });
      if (!found) throw new AppError('validation', `mappings.${index}: no ${input.platform} user with the email ${member.email}`);
      linked.push(found);
    }
    ctx.body = { items: linked };
  });
  router.get('/members/:id/im-identities', async (ctx) => {
    const member = await deps.members.get(pathId(ctx));
    ctx.body = { items: await deps.identities.linkedIdentities(member.id) };
  });
  /** Withdraws a mapping by user id / union id that is still waiting for the account's first use. */
  router.delete('/members/:id/awaiting-links/:platform', async (ctx) => {
    const member = await deps.members.get(pathId(ctx));
    const id = (name: string) => (typeof ctx.query[name] === 'string' && ctx.query[name] ? String(ctx.query[name]).slice(0, 256) : undefined);
    await deps.identities.withdrawAwaitingLink(member.id, pathPlatform(ctx), { userId: id('userId'), unionId: id('unionId') });
    ctx.status = 204;
  });
  /** Undoes a wrong link: the account acts as nobody, and is never linked to this member again by email or mobile alone. */
  router.delete('/members/:id/im-identities/:platform/:externalId', async (ctx) => {
    const member = await deps.members.get(pathId(ctx));
    await deps.identities.unlink(member.id, pathPlatform(ctx), String(ctx.params.externalId));
    ctx.status = 204;
  });

  router.post('/link-codes/:code/redeem', async (ctx) => {
    const { memberId } = await jsonBody(ctx, linkCodeRedeemSchema);
    await deps.members.get(memberId).catch(notFoundAsValidation('memberId'));
    const result = await deps.interactions.completeLink(String(ctx.params.code), memberId);
    ctx.body = { member: result.member, carriedOut: result.carriedOut?.toast.text ?? null };
  });
}

/** The IM named in the path (`:platform`); an unknown one is a 404, like any unknown thing in a path. */
function pathPlatform(ctx: Context): PlatformName {
  const parsed = platform.safeParse(ctx.params.platform);
  if (!parsed.success) throw new AppError('not_found', `no IM called ${String(ctx.params.platform).slice(0, 32)}`);
  return parsed.data;
}

function notFoundAsValidation(field: string) {
  return (error: unknown): never => {
    if (error instanceof AppError && error.code === 'not_found') throw new AppError('validation', `${field}: ${error.message}`);
    throw error;
  };
}
