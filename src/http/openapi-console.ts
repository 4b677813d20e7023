import { escalationDryRunSchema, incidentEscalateSchema } from './admin/schemas.js';
import { autoLinkSchema } from './admin/member-links.routes.js';
import { errors, idParameter, input, json, notFound, ref } from './openapi-helpers.js';

/** What the browser console needs beyond the resources: test payloads, escalation dry runs, link health, escalate. */

const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });

const testPayloadAnswer = {
  type: 'object',
  properties: {
    accepted: { type: 'boolean', description: 'Whether real intake would store it (false: refused with `error`, or discarded by the push rules)' },
    error: { type: 'object', properties: { code: { type: ['integer', 'string'] }, msg: { type: 'string' } }, description: "The answer the integration's endpoint would give the sender (Feishu's code and msg)" },
    title: nullable({ type: 'string' }),
    severity: nullable({ enum: ['critical', 'warning', 'info'] }),
    description: nullable({ type: 'string' }),
    links: { type: 'array', items: { type: 'object', properties: { text: { type: 'string' }, url: { type: 'string' } } } },
    alertKey: nullable({ type: 'string' }),
    matchedRule: nullable({ type: 'object', properties: { index: { type: 'integer' } } }),
    action: { enum: ['trigger', 'update', 'close', 'discard'] },
    routedTo: nullable({ type: 'object', properties: { channelId: { type: 'integer' }, channelName: { type: 'string' } } }),
    note: { type: 'string', description: 'Why nothing would change, when that is the case' },
  },
};

const target = {
  type: 'object',
  properties: {
    kind: { enum: ['member', 'chat', 'bot'] },
    id: { type: ['integer', 'string'] },
    name: { type: 'string' },
    via: { type: 'array', items: { type: 'string' }, description: 'How the page reaches it (`feishu direct message`, `@mention in … group chat`, `email` …); empty: it would not be reached (no linked account, no email)' },
  },
};

const dryRunAnswer = {
  type: 'object',
  properties: {
    rule: nullable({ type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } }),
    steps: {
      type: 'array',
      items: {
        type: 'object',
        properties: { atSeconds: { type: 'integer' }, level: { type: 'integer', minimum: 1 }, repeat: { type: 'integer', description: '0 on the first pass' }, targets: { type: 'array', items: target } },
      },
    },
    stopsOn: nullable({ enum: ['acknowledged', 'closed'] }),
  },
};

const member = { type: 'object', properties: { memberId: { type: 'integer' }, name: { type: 'string' }, email: nullable({ type: 'string' }), phone: nullable({ type: 'string' }) } };

export function consolePaths() {
  return {
    '/integrations/{id}/test-payload': {
      parameters: [idParameter],
      post: {
        tags: ['Integration'],
        summary: 'Send a test payload: what real intake would do with it, storing and sending nothing',
        description: "The body exactly as the integration's endpoint takes it (a Feishu message JSON). Read and decided by the same code as real intake, except that no signature is needed (the signing secret is write-only).",
        requestBody: { required: true, ...json({ type: 'object' }) },
        responses: { '200': { description: 'What would happen', ...json(testPayloadAnswer) }, ...errors, ...notFound },
      },
    },
    '/escalation-rules/dry-run': {
      post: {
        tags: ['Escalation'],
        summary: 'Which rule applies to an incident (or a sample) now, and who would be paged when if nobody answers',
        requestBody: { required: true, ...json(input(escalationDryRunSchema)) },
        responses: { '200': { description: 'The plan', ...json(dryRunAnswer) }, ...errors },
      },
    },
    '/incidents/{id}/escalate': {
      parameters: [idParameter],
      post: {
        tags: ['Incident'],
        summary: 'Page the next escalation level now (the card\'s Escalate button)',
        description: 'With `step` (how many steps the caller saw taken), nothing is paged when the incident has moved on since; the answer says why.',
        requestBody: { required: false, ...json(input(incidentEscalateSchema)) },
        responses: {
          '200': {
            description: 'Paged, or skipped with the reason',
            ...json({ type: 'object', properties: { outcome: { enum: ['paged', 'skipped'] }, reason: { type: 'string' }, paged: { type: 'array', items: { type: 'string' } }, incident: ref('Incident') } }),
          },
          ...errors,
          ...notFound,
        },
      },
    },
    '/members/link-health': {
      get: {
        tags: ['Member'],
        summary: 'Members without a linked account, per IM',
        responses: {
          '200': {
            description: 'OK',
            ...json({
              type: 'object',
              properties: {
                platforms: {
                  type: 'array',
                  items: { type: 'object', properties: { platform: { type: 'string' }, enabled: { type: 'boolean' }, searchableBy: { type: 'array', items: { enum: ['email', 'mobile'] } }, unlinked: { type: 'array', items: member } } },
                },
              },
            }),
          },
          ...errors,
        },
      },
    },
    '/members/auto-link': {
      post: {
        tags: ['Member'],
        summary: "Link members to the IM account with their email (else mobile) in each enabled app's directory",
        description: 'Never takes an account already linked to another member. Without memberIds, every member not yet linked there.',
        requestBody: { required: false, ...json(input(autoLinkSchema)) },
        responses: {
          '200': {
            description: 'What was linked and what was not found',
            ...json({
              type: 'object',
              properties: {
                linked: { type: 'array', items: { type: 'object', properties: { memberId: { type: 'integer' }, platform: { type: 'string' }, externalId: { type: 'string' }, by: { enum: ['email', 'mobile'] } } } },
                notFound: { type: 'array', items: { type: 'object', properties: { memberId: { type: 'integer' }, platform: { type: 'string' }, reason: { type: 'string' } } } },
              },
            }),
          },
          ...errors,
        },
      },
    },
  };
}
