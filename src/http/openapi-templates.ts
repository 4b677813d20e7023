import { z } from 'zod';
import { TEMPLATE_EVENTS, TEMPLATE_KINDS } from '../domain/message-template.js';
import { templateInputSchema, templatePreviewSchema } from './admin/template-schemas.js';

/** The message template parts of the OpenAPI document. */

const input = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const list = (name: string) => json({ type: 'object', properties: { items: { type: 'array', items: ref(name) } } });

const error = { $ref: '#/components/schemas/Error' };
const errors = {
  '400': { description: 'Validation failed; the message names the field', ...json(error) },
  '401': { description: 'Missing or wrong bearer token', ...json(error) },
};
const notFound = { '404': { description: 'No such channel or template', ...json(error) } };
const parameters = [
  { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
  { name: 'kind', in: 'path', required: true, schema: { enum: [...TEMPLATE_KINDS] } },
  { name: 'event', in: 'path', required: true, schema: { enum: [...TEMPLATE_EVENTS] } },
];
const failure = { type: ['object', 'null'], properties: { message: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' } } };
const timestamps = { createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' } };

export const templatePaths = {
  '/template-defaults': {
    get: { tags: ['Templates'], summary: 'The built-in template of every kind and event (cards/templates/): a start for a channel’s own', responses: { '200': { description: 'OK', ...list('TemplateDefault') }, ...errors } },
  },
  '/channels/{id}/templates': {
    parameters: [parameters[0]],
    get: { tags: ['Templates'], summary: "The channel's own templates (kinds and events without one use the built-in template)", responses: { '200': { description: 'OK', ...list('MessageTemplate') }, ...errors, ...notFound } },
  },
  '/channels/{id}/templates/{kind}/{event}': {
    parameters,
    get: { tags: ['Templates'], summary: 'The template the channel uses for this kind and event: its own, or the built-in one (`overridden: false`)', responses: { '200': { description: 'OK', ...json(ref('EffectiveTemplate')) }, ...errors, ...notFound } },
    put: {
      tags: ['Templates'],
      summary: "Save the channel's own template. 400 when it does not parse (`details.line`, `details.column`) or lacks the keyword of a Feishu / DingTalk bot of the channel that uses it; `warnings` when rendering it with the sample incident fails",
      requestBody: { required: true, ...json(input(templateInputSchema)) },
      responses: {
        '200': { description: 'Replaced', ...json(ref('SavedTemplate')) },
        '201': { description: 'Created', ...json(ref('SavedTemplate')) },
        '400': { description: 'Refused: the message names the line, or the bot whose keyword is missing', ...json({ type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', properties: { line: { type: ['integer', 'null'] }, column: { type: ['integer', 'null'] } } } } } } }) },
        '401': errors['401'],
        ...notFound,
      },
    },
    delete: { tags: ['Templates'], summary: 'Back to the built-in template', responses: { '204': { description: 'Deleted' }, ...errors, ...notFound } },
  },
  '/channels/{id}/templates/preview': {
    parameters: [parameters[0]],
    post: {
      tags: ['Templates'],
      summary: 'Render without sending: a given source, or the channel’s templates, for one kind or all, with the sample incident or a real one (`incidentId`)',
      requestBody: { required: true, ...json(input(templatePreviewSchema)) },
      responses: { '200': { description: 'The message per kind as it would be sent; `error` (with its line) when the template failed and the built-in one would be sent', ...list('TemplatePreview') }, ...errors, ...notFound },
    },
  },
};

export const templateSchemas = {
  TemplateDefault: { type: 'object', properties: { kind: { enum: [...TEMPLATE_KINDS] }, event: { enum: [...TEMPLATE_EVENTS] }, markup: { type: 'string', description: 'What the output is written in: "DingTalk markdown", "Telegram HTML" …' }, source: { type: 'string' } } },
  MessageTemplate: { type: 'object', properties: { id: { type: 'integer' }, channelId: { type: 'integer' }, kind: { enum: [...TEMPLATE_KINDS] }, event: { enum: [...TEMPLATE_EVENTS] }, source: { type: 'string' }, ...timestamps } },
  SavedTemplate: { allOf: [ref('MessageTemplate'), { type: 'object', properties: { warnings: { type: 'array', items: { type: 'string' } } } }] },
  EffectiveTemplate: {
    type: 'object',
    properties: { channelId: { type: 'integer' }, kind: { enum: [...TEMPLATE_KINDS] }, event: { enum: [...TEMPLATE_EVENTS] }, source: { type: 'string' }, overridden: { type: 'boolean' }, updatedAt: { type: ['string', 'null'], format: 'date-time' }, skipped: { type: ['object', 'null'], description: 'Stopped by a limit: this instance sends the built-in template instead until `until`', properties: { until: { type: 'string', format: 'date-time' }, error: failure } } },
  },
  TemplatePreview: {
    type: 'object',
    properties: {
      kind: { enum: [...TEMPLATE_KINDS] },
      event: { enum: [...TEMPLATE_EVENTS] },
      from: { enum: ['given', 'channel', 'built-in'] },
      title: { type: 'string', description: 'Bot head / email subject (empty for email-html)' },
      body: { type: 'string', description: "In the kind's markup, values escaped; the bot kind adds the Details link, mentions and keyword when sending" },
      error: failure,
    },
  },
};
