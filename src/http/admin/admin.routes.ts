import Router from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { ADMIN_API_ACTOR, type Actor } from '../../domain/actor.js';
import type { ChannelService } from '../../services/catalog/channel.service.js';
import type { IncidentService } from '../../services/incidents/incident.service.js';
import type { AlertIngestService } from '../../services/incidents/alert-ingest.service.js';
import type { IntegrationService } from '../../services/catalog/integration.service.js';
import type { MemberService } from '../../services/catalog/member.service.js';
import type { IncidentAction } from '../../domain/incident-status.js';
import { jsonBody, parseOrThrow, pathId } from '../json-body.js';
import { adminAuth } from '../middleware/admin-auth.js';
import { registerChatAdmin, type ChatAdminDeps } from './chat-admin.routes.js';
import { registerDestinationTypes, type DestinationTypeView } from './destination-types.routes.js';
import { registerEscalationAdmin } from './escalation-admin.routes.js';
import { registerMemberLinks } from './member-links.routes.js';
import type { MemberLinkHealth } from '../../services/identity/member-link-health.js';
import { registerIntegrationTestPayload } from './integration-test-payload.routes.js';
import { registerWebhookBotAdmin } from './webhook-bot-admin.routes.js';
import { registerBotMappingAdmin } from './bot-mapping-admin.routes.js';
import { registerTemplateAdmin } from './template-admin.routes.js';
import type { MessageTemplateService } from '../../services/templates/message-templates.service.js';
import type { BotMappingTableService } from '../../services/bots/bot-mapping-tables.service.js';
import type { WebhookBotService } from '../../services/bots/webhook-bot.service.js';
import type { EscalationRuleService } from '../../services/escalation/escalation-rule.service.js';
import type { EscalationDryRun } from '../../services/escalation/escalation-dry-run.js';
import type { EscalationService } from '../../services/escalation/escalation.service.js';
import type { IncidentEventStreams } from './incident-event-streams.js';
import type { AdminTokenLimiter } from '../../services/admin-sessions/admin-token-limiter.js';
import { incidentView } from './incident.view.js';
import { IntegrationInputs } from './integration-input.js';
import { integrationView } from './integration.view.js';
import type { SourceRegistry } from '../../ingest/source-registry.js';
import type { Integration } from '../../db/entities/integration.entity.js';
import type { IntegrationHealthService } from '../../services/catalog/integration-health.service.js';
import type { AccountSettingsService } from '../../services/catalog/account-settings.service.js';
import { registerAccountSettings } from './account-settings.routes.js';
import {
  channelInputSchema,
  channelPatchSchema,
  incidentActionSchema,
  incidentEscalateSchema,
  incidentListQuerySchema,
  integrationPatchSchema,
  memberInputSchema,
  memberPatchSchema,
} from './schemas.js';

export interface AdminDeps extends Omit<ChatAdminDeps, 'members'> {
  adminToken: string;
  /** Wrong admin tokens per client address and in all (bearer tokens here, console sign-ins). */
  adminTokenLimiter: AdminTokenLimiter;
  publicBaseUrl: string;
  channels: ChannelService;
  members: MemberService;
  integrations: IntegrationService;
  /** The integration types: their settings, validation and how an integration of each is shown. */
  sources: SourceRegistry;
  incidents: IncidentService;
  ingest: AlertIngestService;
  escalationRules: EscalationRuleService;
  escalationDryRun: EscalationDryRun;
  memberLinkHealth: MemberLinkHealth;
  escalations: EscalationService;
  /** The live stream of incident changes the console listens to. */
  incidentEvents: IncidentEventStreams;
  bots: WebhookBotService;
  botMappings: BotMappingTableService;
  templates: MessageTemplateService;
  destinationTypes: DestinationTypeView[];
  health: IntegrationHealthService;
  accountSettings: AccountSettingsService;
}

export const ADMIN_PREFIX = '/api/v1';

export function createAdminRouter(deps: AdminDeps): Router {
  const router = new Router({ prefix: ADMIN_PREFIX });
  router.use(adminAuth(deps.adminToken, deps.adminTokenLimiter));
  registerChannels(router, deps);
  registerMemberLinks(router, deps.memberLinkHealth);
  registerMembers(router, deps);
  registerIntegrations(router, deps);
  registerIntegrationTestPayload(router, deps);
  registerAccountSettings(router, deps.accountSettings);
  registerIncidents(router, deps);
  registerChatAdmin(router, deps);
  registerEscalationAdmin(router, deps.escalationRules, deps.escalationDryRun, deps.channels);
  registerWebhookBotAdmin(router, deps.bots);
  registerBotMappingAdmin(router, deps.botMappings);
  registerTemplateAdmin(router, deps.templates);
  registerDestinationTypes(router, deps.destinationTypes);
  return router;
}

function registerChannels(router: Router, { channels }: AdminDeps): void {
  router.get('/channels', async (ctx) => {
    ctx.body = { items: await channels.list() };
  });
  router.post('/channels', async (ctx) => {
    ctx.status = 201;
    ctx.body = await channels.create(await jsonBody(ctx, channelInputSchema));
  });
  router.get('/channels/:id', async (ctx) => {
    ctx.body = await channels.get(pathId(ctx));
  });
  router.patch('/channels/:id', async (ctx) => {
    ctx.body = await channels.update(pathId(ctx), await jsonBody(ctx, channelPatchSchema));
  });
  router.delete('/channels/:id', async (ctx) => {
    await channels.remove(pathId(ctx));
    ctx.status = 204;
  });
}

function registerMembers(router: Router, { members }: AdminDeps): void {
  router.get('/members', async (ctx) => {
    ctx.body = { items: await members.list() };
  });
  router.post('/members', async (ctx) => {
    ctx.status = 201;
    ctx.body = await members.create(await jsonBody(ctx, memberInputSchema));
  });
  router.get('/members/:id', async (ctx) => {
    ctx.body = await members.get(pathId(ctx));
  });
  router.patch('/members/:id', async (ctx) => {
    ctx.body = await members.update(pathId(ctx), await jsonBody(ctx, memberPatchSchema));
  });
  router.delete('/members/:id', async (ctx) => {
    await members.remove(pathId(ctx));
    ctx.status = 204;
  });
}

function registerIntegrations(router: Router, { integrations, publicBaseUrl, sources, health }: AdminDeps): void {
  const inputs = new IntegrationInputs(sources);
  const views = async (list: Integration[]) => {
    const healths = await health.getMany(list.map((integration) => integration.id));
    return list.map((integration) => integrationView(integration, publicBaseUrl, sources, healths.get(integration.id)!));
  };
  const view = async (integration: Integration) => (await views([integration]))[0];
  /** A setting only one integration of a type may have on (the default email integration): turned off on the others. */
  const keepExclusive = async (saved: Integration) => {
    for (const setting of sources.resolve(saved.type).exclusiveSettings ?? []) {
      if (saved.settings[setting] === true) await integrations.turnOffElsewhere(saved, setting);
    }
  };
  router.get('/integration-types', (ctx) => {
    ctx.body = { items: sources.info(), defaultType: sources.defaultType };
  });
  router.get('/integrations', async (ctx) => {
    ctx.body = { items: await views(await integrations.list()) };
  });
  router.post('/integrations', async (ctx) => {
    const input = inputs.create(await jsonBody(ctx, z.unknown()));
    const saved = await integrations.create(input);
    await keepExclusive(saved);
    ctx.status = 201;
    ctx.body = await view(saved);
  });
  router.get('/integrations/:id', async (ctx) => {
    ctx.body = await view(await integrations.get(pathId(ctx)));
  });
  router.patch('/integrations/:id', async (ctx) => {
    const id = pathId(ctx);
    const current = await integrations.get(id);
    const patch = await jsonBody(ctx, integrationPatchSchema);
    const saved = await integrations.update(id, inputs.update(current, patch));
    await keepExclusive(saved);
    // Enabled again by an admin (after an automatic disable or not): its incoming errors count from zero.
    if (!current.enabled && saved.enabled) await health.reenabled(id);
    ctx.body = await view(saved);
  });
  router.post('/integrations/:id/rotate-key', async (ctx) => {
    ctx.body = await view(await integrations.rotateKey(pathId(ctx)));
  });
  router.delete('/integrations/:id', async (ctx) => {
    const id = pathId(ctx);
    await integrations.remove(id);
    await health.remove(id);
    ctx.status = 204;
  });
}

function registerIncidents(router: Router, { incidents, members, escalations, incidentEvents }: AdminDeps): void {
  // Before /incidents/:id, which would take "events" for an id.
  router.get('/incidents/events', (ctx) => incidentEvents.open(ctx));
  router.get('/incidents', async (ctx) => {
    const query = parseOrThrow(incidentListQuerySchema, ctx.query);
    const items = await incidents.list({ ...query, beforeId: query.before });
    ctx.body = { items: items.map(incidentView), nextBefore: items.length === query.limit ? items[items.length - 1].id : null };
  });
  router.get('/incidents/:id', async (ctx) => {
    const detail = await incidents.get(pathId(ctx));
    ctx.body = { ...detail, incident: incidentView(detail.incident) };
  });
  for (const action of ['acknowledge', 'close', 'reopen'] as const satisfies IncidentAction[]) {
    router.post(`/incidents/:id/${action}`, async (ctx) => {
      const body = await jsonBody(ctx, incidentActionSchema);
      const actor: Actor = body.memberId ? memberActor(await members.get(body.memberId).catch(notFoundAsValidation)) : ADMIN_API_ACTOR;
      const result = await incidents.act(pathId(ctx), action, actor);
      ctx.body = { ...result, incident: incidentView(result.incident) };
    });
  }
  /** Pages the next level now, as the card's Escalate button does. */
  router.post('/incidents/:id/escalate', async (ctx) => {
    const body = await jsonBody(ctx, incidentEscalateSchema);
    const actor: Actor = body.memberId ? memberActor(await members.get(body.memberId).catch(notFoundAsValidation)) : ADMIN_API_ACTOR;
    const outcome = await escalations.escalateNow(pathId(ctx), actor, body.step);
    ctx.body = { ...outcome, incident: incidentView(await incidents.get(pathId(ctx)).then((detail) => detail.incident)) };
  });
}

function memberActor(member: { id: number; name: string }): Actor {
  return { type: 'member', id: member.id, name: member.name };
}

function notFoundAsValidation(error: unknown): never {
  if (error instanceof AppError && error.code === 'not_found') throw new AppError('validation', `memberId: ${error.message}`);
  throw error;
}
