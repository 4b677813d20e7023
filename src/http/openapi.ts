import { z } from 'zod';
import { CAPABILITY_NAMES } from '../services/ports/capabilities.js';
import { PLATFORM_NAMES } from '../domain/platform-name.js';
import {
  channelInputSchema,
  escalationRuleInputSchema,
  channelPatchSchema,
  incidentActionSchema,
  integrationInputSchema,
  memberInputSchema,
  memberPatchSchema,
} from './admin/schemas.js';
import { chatBindingInputSchema, identityMappingSchema, linkCodeRedeemSchema } from './admin/chat-admin.routes.js';
import { integrationTypeSchemas } from './openapi-integrations.js';
import { webhookBotInputSchema, webhookBotPatchSchema } from './admin/webhook-bot-schemas.js';
import { mappingImportSchema, mappingTableInputSchema } from './admin/mapping-import.js';
import type { SourceRegistry } from '../ingest/source-registry.js';
import { templatePaths, templateSchemas } from './openapi-templates.js';
import { error, errors, idParameter, input, json, notFound, ref } from './openapi-helpers.js';
import { consolePaths } from './openapi-console.js';
import { accountSettingsPatchSchema } from './admin/account-settings.routes.js';

/** The admin API's OpenAPI 3.1 document; request schemas come from the same zod schemas that validate requests. */

function crud(resource: string, schemaName: string, createBody: object, patchBody: object, tag: string) {
  return {
    [`/${resource}`]: {
      get: { tags: [tag], summary: `List ${resource}`, responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref(schemaName) } } }) }, ...errors } },
      post: { tags: [tag], summary: `Create a ${tag.toLowerCase()}`, requestBody: { required: true, ...json(createBody) }, responses: { '201': { description: 'Created', ...json(ref(schemaName)) }, '409': { description: 'Conflicts with an existing one', ...json(error) }, ...errors } },
    },
    [`/${resource}/{id}`]: {
      parameters: [idParameter],
      get: { tags: [tag], responses: { '200': { description: 'OK', ...json(ref(schemaName)) }, ...errors, ...notFound } },
      patch: { tags: [tag], requestBody: { required: true, ...json(patchBody) }, responses: { '200': { description: 'Updated', ...json(ref(schemaName)) }, ...errors, ...notFound } },
      delete: { tags: [tag], responses: { '204': { description: 'Deleted' }, '409': { description: 'Still in use', ...json(error) }, ...errors, ...notFound } },
    },
  };
}

const timestamps = { createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' } };

export function buildOpenApiDocument(publicBaseUrl: string, sources: SourceRegistry) {
  const integrationTypes = integrationTypeSchemas(sources, (source, isDefault) => input(integrationInputSchema(source, isDefault)));

  const incidentAction = (action: string, summary: string) => ({
    parameters: [idParameter],
    post: {
      tags: ['Incident'],
      summary,
      description: 'Acting as a member records them on the timeline; without memberId the actor is "admin API". Repeating an action already done answers outcome "unchanged".',
      requestBody: { required: false, ...json(input(incidentActionSchema)) },
      responses: {
        '200': { description: `Incident after ${action}`, ...json({ type: 'object', properties: { outcome: { enum: ['changed', 'unchanged'] }, incident: ref('Incident') } }) },
        '409': { description: 'Not allowed from the current status', ...json(error) },
        ...errors,
        ...notFound,
      },
    },
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'oncall-im admin API',
      version: '1',
      description: 'Channels, members, integrations and incidents. Authenticate with `Authorization: Bearer <ADMIN_TOKEN>`.',
    },
    servers: [{ url: `${publicBaseUrl}/api/v1` }],
    // Either one: the bearer token, or the admin console's session cookie (changes then also need X-CSRF-Token).
    security: [{ bearer: [] }, { consoleSession: [] }],
    paths: {
      ...crud('channels', 'Channel', input(channelInputSchema), input(channelPatchSchema), 'Channel'),
      ...crud('members', 'Member', input(memberInputSchema), input(memberPatchSchema), 'Member'),
      ...crud(
        'integrations',
        'Integration',
        integrationTypes.createBody,
        input(z.object({}).catchall(z.unknown()).describe('Any fields of the create body of the integration’s type, except a different type; merged onto the stored integration and validated whole')),
        'Integration',
      ),
      ...consolePaths(),
      '/integration-types': {
        get: {
          tags: ['Integration'],
          summary: 'The integration types: their settings fields (type, required, secret, description), how each receives alerts and where its view says they go',
          responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('IntegrationType') }, defaultType: { type: 'string' } } }) }, ...errors },
        },
      },
      '/settings': {
        get: { tags: ['Settings'], summary: 'Account-level settings: the email integrations’ incoming error thresholds', responses: { '200': { description: 'OK', ...json(ref('AccountSettings')) }, ...errors } },
        patch: {
          tags: ['Settings'],
          summary: 'Change account-level settings (the disable threshold must be more than the notify one)',
          requestBody: { required: true, ...json(input(accountSettingsPatchSchema)) },
          responses: { '200': { description: 'Updated', ...json(ref('AccountSettings')) }, ...errors },
        },
      },
      '/integrations/{id}/rotate-key': {
        parameters: [idParameter],
        post: { tags: ['Integration'], summary: 'Give the integration a new URL; the old one stops working', responses: { '200': { description: 'OK', ...json(ref('Integration')) }, ...errors, ...notFound } },
      },
      '/incidents': {
        get: {
          tags: ['Incident'],
          summary: 'List incidents, newest first',
          parameters: [
            { name: 'status', in: 'query', schema: { type: 'string' }, description: 'Comma-separated: triggered,acknowledged,closed' },
            { name: 'channelId', in: 'query', schema: { type: 'integer' } },
            { name: 'severity', in: 'query', schema: { enum: ['critical', 'warning', 'info'] } },
            { name: 'since', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'until', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'before', in: 'query', schema: { type: 'integer' }, description: 'Cursor: the nextBefore of the previous page' },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          ],
          responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('Incident') }, nextBefore: { type: ['integer', 'null'] } } }) }, ...errors },
        },
      },
      '/incidents/{id}': {
        parameters: [idParameter],
        get: { tags: ['Incident'], summary: 'An incident with its alerts and timeline', responses: { '200': { description: 'OK', ...json(ref('IncidentDetail')) }, ...errors, ...notFound } },
      },
      '/incidents/{id}/acknowledge': incidentAction('acknowledge', 'Acknowledge'),
      '/incidents/{id}/close': incidentAction('close', 'Close (resolves its firing alerts)'),
      '/incidents/{id}/reopen': incidentAction('reopen', 'Reopen a closed incident'),
      '/incidents/events': {
        get: {
          tags: ['Incident'],
          summary: 'Server-Sent Events: `event: incident` with {incidentId, channelId, kind} whenever an incident changes on this instance',
          responses: { '200': { description: 'An event stream (text/event-stream)', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
        },
      },
      '/chat-bindings': {
        get: { tags: ['Chat'], summary: 'List group chats bound to channels', responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }) }, ...errors } },
        post: { tags: ['Chat'], summary: 'Bind a group chat to a channel', requestBody: { required: true, ...json(input(chatBindingInputSchema)) }, responses: { '201': { description: 'Bound', ...json({ type: 'object' }) }, ...errors } },
      },
      '/chat-bindings/{id}': {
        parameters: [idParameter],
        delete: { tags: ['Chat'], summary: 'Unbind a group chat', responses: { '204': { description: 'Unbound' }, ...errors, ...notFound } },
      },
      '/im-identities': {
        post: { tags: ['Chat'], summary: 'Map members (by id or email) to their IM accounts: by externalId (Feishu open_id, Slack user id), by userId / unionId (Feishu user_id / union_id; without externalId the link is completed at the account’s first click or command, and items show externalId null), or, with none, the IM user with the member’s email', requestBody: { required: true, ...json(input(identityMappingSchema)) }, responses: { '200': { description: 'Linked', ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }) }, ...errors } },
      },
      '/members/{id}/im-identities': {
        parameters: [idParameter],
        get: { tags: ['Chat'], summary: 'IM accounts linked to a member', responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } }) }, ...errors, ...notFound } },
      },
      '/members/{id}/im-identities/{platform}/{externalId}': {
        parameters: [
          idParameter,
          { name: 'platform', in: 'path', required: true, schema: { enum: [...PLATFORM_NAMES] } },
          { name: 'externalId', in: 'path', required: true, description: 'The account’s primary id (Feishu open_id, Slack user id, DingTalk staffId), URL-encoded', schema: { type: 'string' } },
        ],
        delete: {
          tags: ['Chat'],
          summary: 'Unlink an IM account from the member. Its clicks and commands then act as nobody, and it is never linked to this member again automatically (by email or mobile, at a click, before a page, or by POST /members/auto-link); an explicit link (POST /im-identities, or redeeming a link code) links them again',
          responses: { '204': { description: 'Unlinked' }, ...errors, '404': { description: 'No such member, or the account is not linked to this member', ...json(error) } },
        },
      },
      '/members/{id}/awaiting-links/{platform}': {
        parameters: [
          idParameter,
          { name: 'platform', in: 'path', required: true, schema: { enum: [...PLATFORM_NAMES] } },
          { name: 'userId', in: 'query', required: false, description: 'The mapping’s user id (Feishu user_id); userId or unionId is needed, each given must match', schema: { type: 'string' } },
          { name: 'unionId', in: 'query', required: false, description: 'The mapping’s union id', schema: { type: 'string' } },
        ],
        delete: {
          tags: ['Chat'],
          summary: 'Withdraw an admin mapping by user id / union id that still waits for the account’s first click or command (shown with externalId null), before it links anyone',
          responses: { '204': { description: 'Withdrawn' }, ...errors, '404': { description: 'No such member, or no such mapping waiting for it', ...json(error) } },
        },
      },
      '/link-codes/{code}/redeem': {
        parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }],
        post: { tags: ['Chat'], summary: 'Link the IM account that asked for this code to a member', requestBody: { required: true, ...json(input(linkCodeRedeemSchema)) }, responses: { '200': { description: 'Linked', ...json({ type: 'object' }) }, ...errors, ...notFound } },
      },
      '/channels/{id}/escalation-rules': {
        parameters: [idParameter],
        get: { tags: ['Escalation'], summary: "The channel's escalation rules, in order (the first matching one applies)", responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('EscalationRule') } } }) }, ...errors, ...notFound } },
        post: { tags: ['Escalation'], summary: 'Add a rule (last, or at `position`)', requestBody: { required: true, ...json(input(escalationRuleInputSchema)) }, responses: { '201': { description: 'Created', ...json(ref('EscalationRule')) }, ...errors, ...notFound } },
      },
      '/escalation-rules/{id}': {
        parameters: [idParameter],
        get: { tags: ['Escalation'], responses: { '200': { description: 'OK', ...json(ref('EscalationRule')) }, ...errors, ...notFound } },
        put: { tags: ['Escalation'], summary: 'Replace a rule; running escalations keep the copy they started with', requestBody: { required: true, ...json(input(escalationRuleInputSchema)) }, responses: { '200': { description: 'Updated', ...json(ref('EscalationRule')) }, ...errors, ...notFound } },
        delete: { tags: ['Escalation'], responses: { '204': { description: 'Deleted' }, ...errors, ...notFound } },
      },
      '/channels/{id}/bots': {
        parameters: [idParameter],
        get: { tags: ['Bots'], summary: "The channel's group webhook bots (secrets never shown)", responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('WebhookBot') } } }) }, ...errors, ...notFound } },
        post: { tags: ['Bots'], summary: 'Add a group bot (feishu, dingtalk, wecom, telegram, slack, zoom); 400 when its kind needs a secret or chat id not given', requestBody: { required: true, ...json(input(webhookBotInputSchema)) }, responses: { '201': { description: 'Created', ...json(ref('WebhookBot')) }, ...errors, ...notFound } },
      },
      '/bots/{id}': {
        parameters: [idParameter],
        get: { tags: ['Bots'], responses: { '200': { description: 'OK', ...json(ref('WebhookBot')) }, ...errors, ...notFound } },
        patch: { tags: ['Bots'], summary: 'Change the given fields; `secret: null` removes the secret', requestBody: { required: true, ...json(input(webhookBotPatchSchema)) }, responses: { '200': { description: 'Updated', ...json(ref('WebhookBot')) }, ...errors, ...notFound } },
        delete: { tags: ['Bots'], responses: { '204': { description: 'Deleted' }, ...errors, ...notFound } },
      },
      '/bots/{id}/test': {
        parameters: [idParameter],
        post: {
          tags: ['Bots'],
          summary: "Send a test message now (once, no retry) and report the platform's answer",
          responses: {
            '200': {
              description: 'What the platform answered, delivered or not',
              ...json({
                type: 'object',
                properties: {
                  ok: { type: 'boolean' },
                  attempts: { type: 'integer' },
                  answer: { type: ['object', 'null'], properties: { status: { type: 'integer' }, body: { type: 'string' } } },
                  error: { type: ['object', 'null'], properties: { kind: { enum: ['rate_limited', 'message_gone', 'target_gone', 'permission_denied', 'auth', 'bad_request', 'transient'] }, code: {}, message: { type: 'string' } } },
                },
              }),
            },
            ...errors,
            ...notFound,
          },
        },
      },
      '/bots/{id}/deliveries': {
        parameters: [idParameter],
        get: { tags: ['Bots'], summary: "The bot's latest 50 messages, newest first: incident, event, status, tries, the platform's last answer", responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('BotDelivery') } } }) }, ...errors, ...notFound } },
      },
      '/bot-mapping-tables': {
        get: { tags: ['Bots'], summary: 'Mapping tables (member email → IM user id) with their row counts', responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('BotMappingTable') } } }) }, ...errors } },
        post: { tags: ['Bots'], summary: 'Create a mapping table for one bot kind', requestBody: { required: true, ...json(input(mappingTableInputSchema)) }, responses: { '201': { description: 'Created', ...json(ref('BotMappingTable')) }, '409': { description: 'Name taken', ...json(error) }, ...errors } },
      },
      '/bot-mapping-tables/{id}': {
        parameters: [idParameter],
        get: { tags: ['Bots'], summary: 'A table with its rows', responses: { '200': { description: 'OK', ...json({ allOf: [ref('BotMappingTable'), { type: 'object', properties: { rows: { type: 'array', items: { type: 'object', properties: { email: { type: 'string' }, userId: { type: 'string' } } } } } }] }) }, ...errors, ...notFound } },
        delete: { tags: ['Bots'], responses: { '204': { description: 'Deleted' }, '409': { description: 'Used by a bot', ...json(error) }, ...errors, ...notFound } },
      },
      '/bot-mapping-tables/{id}/rows': {
        parameters: [idParameter, { name: 'replace', in: 'query', required: false, schema: { type: 'boolean' }, description: 'CSV only: drop the rows not given' }],
        post: {
          tags: ['Bots'],
          summary: 'Import rows in bulk (up to 10,000): JSON, or text/csv lines "email,userId" (a header line is skipped)',
          requestBody: { required: true, content: { 'application/json': { schema: input(mappingImportSchema) }, 'text/csv': { schema: { type: 'string' } } } },
          responses: { '200': { description: 'Rows written, and the emails that match no member', ...json({ type: 'object', properties: { imported: { type: 'integer' }, unmatchedEmails: { type: 'array', items: { type: 'string' } } } }) }, ...errors, ...notFound },
        },
      },
      ...templatePaths,
      '/destination-types': {
        get: { tags: ['Types'], summary: 'The kinds of destination this build knows (IM apps …): what each can do, its settings, and whether it is enabled here', responses: { '200': { description: 'OK', ...json({ type: 'object', properties: { items: { type: 'array', items: ref('DestinationType') } } }) }, ...errors } },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        consoleSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'oncall_console_session',
          description: 'The admin console session (POST /console/session with the admin token). A change (not GET/HEAD) made with it must also send the session CSRF token (GET /console/session) in X-CSRF-Token, else 403.',
        },
      },
      schemas: {
        FieldInfo: {
          type: 'object',
          required: ['name', 'type', 'nullable', 'required', 'secret', 'description'],
          properties: {
            name: { type: 'string' },
            type: { type: 'string', description: 'JSON Schema type of the value' },
            nullable: { type: 'boolean' },
            required: { type: 'boolean' },
            secret: { type: 'boolean', description: 'Write-only: accepted, never returned (an integration shows has<Name> instead), never logged' },
            description: { type: 'string' },
            enum: { type: 'array' },
            default: {},
          },
        },
        DestinationType: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            label: { type: 'string' },
            configuredBy: { enum: ['environment', 'admin_api'] },
            capabilities: { type: 'array', items: { enum: [...CAPABILITY_NAMES] } },
            fields: { type: 'array', items: ref('FieldInfo') },
            enabled: { type: 'boolean' },
          },
        },
        Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', description: 'More about the error where it has some (a template’s line and column)' } } } } },
        Channel: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, description: { type: 'string' }, timeZone: { type: 'string' }, ...timestamps } },
        Member: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            name: { type: 'string' },
            email: { type: ['string', 'null'] },
            phone: { type: ['string', 'null'] },
            isAdmin: { type: 'boolean' },
            contactMethods: { type: ['array', 'null'], items: { enum: ['im', 'email'] } },
            ...timestamps,
          },
        },
        AccountSettings: { allOf: [input(accountSettingsPatchSchema.required())] },
        ...integrationTypes.components,
        EscalationRule: {
          allOf: [input(escalationRuleInputSchema), { type: 'object', properties: { id: { type: 'integer' }, channelId: { type: 'integer' }, position: { type: 'integer' }, ...timestamps } }],
        },
        WebhookBot: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            channelId: { type: 'integer' },
            name: { type: 'string' },
            kind: { enum: ['feishu', 'dingtalk', 'wecom', 'telegram', 'slack', 'zoom'] },
            urlHint: { type: 'string', description: "The webhook URL's origin only (the URL carries the bot's token)" },
            hasSecret: { type: 'boolean' },
            chatId: { type: ['string', 'null'] },
            keyword: { type: ['string', 'null'] },
            mappingTableId: { type: ['integer', 'null'] },
            events: { type: 'array', items: { enum: ['triggered', 'acknowledged', 'escalated', 'closed', 'reopened'] } },
            enabled: { type: 'boolean' },
            health: {
              type: 'object',
              properties: {
                lastSuccessAt: { type: ['string', 'null'], format: 'date-time' },
                lastErrorAt: { type: ['string', 'null'], format: 'date-time' },
                lastError: { type: ['string', 'null'] },
                consecutiveFailures: { type: 'integer', description: 'Messages in a row that failed for good' },
              },
            },
            ...timestamps,
          },
        },
        BotMappingTable: {
          type: 'object',
          properties: { id: { type: 'integer' }, name: { type: 'string' }, kind: { enum: ['feishu', 'dingtalk', 'wecom', 'telegram', 'slack', 'zoom'] }, rowCount: { type: 'integer' }, ...timestamps },
        },
        ...templateSchemas,
        BotDelivery: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            botId: { type: 'integer' },
            incidentId: { type: ['integer', 'null'] },
            event: { type: 'string', description: 'triggered, acknowledged, escalated, closed, reopened, or test' },
            status: { enum: ['sending', 'retrying', 'sent', 'failed'] },
            attempts: { type: 'integer' },
            answerStatus: { type: ['integer', 'null'], description: "HTTP status of the platform's last answer" },
            answer: { type: ['string', 'null'], description: "The platform's last answer (at most 2000 characters), or the error when it never answered" },
            errorKind: { type: ['string', 'null'] },
            ...timestamps,
          },
        },
        Incident: {
          type: 'object',
          properties: {
            escalation: {
              type: ['object', 'null'],
              description: 'The escalation running on this incident (a copy of the rule taken when it triggered)',
              properties: { ruleName: { type: 'string' }, level: { type: 'integer', description: 'last paged level, 1-based; 0 = none yet' }, levels: { type: 'integer' }, paged: { type: 'array', items: { type: 'string' } }, notReached: { type: 'array', items: { type: 'string' }, description: 'of `paged`, those no page has reached so far' }, nextDueAt: { type: 'string', format: 'date-time' } },
            },
            pagedResponders: {
              type: 'array',
              description:
                'Everyone paged for this incident, in order of first page. `reach`: `reached` when a message of a page was accepted (a direct message, a group notice @mentioning them, a group bot, an email), `not_reached` when every one failed and so did the email fallback, `unknown` while the page is still going out (or for incidents paged before this was kept)',
              items: { type: 'object', properties: { name: { type: 'string' }, reach: { enum: ['reached', 'not_reached', 'unknown'] } } },
            },
            id: { type: 'integer' },
            channelId: { type: 'integer' },
            title: { type: 'string' },
            description: { type: 'string' },
            descriptionFormat: { enum: ['text', 'markdown'] },
            severity: { enum: ['critical', 'warning', 'info'] },
            status: { enum: ['triggered', 'acknowledged', 'closed'] },
            alertCount: { type: 'integer' },
            acknowledgedAt: { type: ['string', 'null'], format: 'date-time' },
            acknowledgedBy: { type: ['integer', 'null'] },
            closedAt: { type: ['string', 'null'], format: 'date-time' },
            closedBy: { type: ['integer', 'null'] },
            ...timestamps,
          },
        },
        Alert: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            integrationId: { type: 'integer' },
            incidentId: { type: 'integer' },
            alertKey: { type: 'string' },
            title: { type: 'string' },
            description: { type: 'string' },
            severity: { type: 'string' },
            status: { enum: ['firing', 'resolved'] },
            eventCount: { type: 'integer' },
            firstSeenAt: { type: 'string', format: 'date-time' },
            lastSeenAt: { type: 'string', format: 'date-time' },
            resolvedAt: { type: ['string', 'null'], format: 'date-time' },
            rawPayload: { type: 'string' },
            links: { anyOf: [{ type: 'array', items: { type: 'object', properties: { text: { type: 'string' }, url: { type: 'string' } } } }, { type: 'null' }], description: 'Links the alert carried besides its text (card buttons, post links); http, https and mailto only' },
          },
        },
        TimelineEntry: {
          type: 'object',
          properties: {
            id: { type: 'integer' },
            kind: { enum: ['triggered', 'alert_added', 'alert_updated', 'alert_resolved', 'acknowledged', 'closed', 'reopened', 'escalated', 'not_reached', 'reached', 'fallback'] },
            actorType: { enum: ['system', 'integration', 'member', 'admin'] },
            actorId: { type: ['integer', 'null'] },
            actorName: { type: 'string' },
            detail: { type: ['object', 'null'] },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        IncidentDetail: {
          type: 'object',
          properties: { incident: ref('Incident'), alerts: { type: 'array', items: ref('Alert') }, timeline: { type: 'array', items: ref('TimelineEntry') } },
        },
      },
    },
  };
}
