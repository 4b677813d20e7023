import { z } from 'zod';
import type { SourceType } from '../../ingest/source-type.js';
import { compileLinearRegex, UnsupportedRegexError } from '../../lib/linear-regex.js';
import type { IntegrationInput } from '../../services/catalog/integration.service.js';
import { CONTACT_METHODS } from '../../domain/contact-methods.js';

/** Request and response shapes of the admin API: validation and the OpenAPI document both come from here. */

/** Why RE2 cannot run `source`, or undefined when it can. */
function regexProblem(source: string): string | undefined {
  try {
    compileLinearRegex(source);
    return undefined;
  } catch (error) {
    if (error instanceof UnsupportedRegexError) return error.message;
    throw error;
  }
}

/** A pattern or `/pattern/flags`, run on RE2 (linear time): refused with the reason when RE2 cannot run it. */
const regexSource = z
  .string()
  .min(1)
  .max(500)
  .superRefine((source, ctx) => {
    const problem = regexProblem(source);
    if (problem) ctx.addIssue({ code: 'custom', message: `is not a valid regular expression: ${problem}` });
  });

const positiveId = z.number().int().positive();

const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Shanghai');

// Patch schemas are built from fields without defaults: zod 4 applies a default even inside .partial(),
// so a PATCH of one field would otherwise reset the others to their defaults.
const channelFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(500),
  timeZone: timeZoneSchema,
};
export const channelInputSchema = z
  .object({ ...channelFields, description: channelFields.description.default(''), timeZone: timeZoneSchema.default('UTC') })
  .strict();
export const channelPatchSchema = z.object(channelFields).partial().strict();

const memberFields = {
  name: z.string().trim().min(1).max(100),
  // Kept lowercase: uniqueness and matching then agree on SQLite (case-sensitive) and MariaDB (case-insensitive).
  email: z.email().max(255).toLowerCase().nullable(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{3,32}$/, 'must be a phone number')
    .nullable(),
  isAdmin: z.boolean().describe('Admins are told when an integration keeps failing (by email and IM direct message)'),
  contactMethods: z
    .array(z.enum(CONTACT_METHODS))
    .min(1)
    .max(CONTACT_METHODS.length)
    .refine((methods) => new Set(methods).size === methods.length, 'must not name a method twice')
    .nullable()
    .describe('How a page reaches this member, in order: when one fails for good the next is tried; null: ["im","email"]'),
};
export const memberInputSchema = z
  .object({
    ...memberFields,
    email: memberFields.email.default(null),
    phone: memberFields.phone.default(null),
    isAdmin: memberFields.isAdmin.default(false),
    contactMethods: memberFields.contactMethods.default(null),
  })
  .strict();
export const memberPatchSchema = z.object(memberFields).partial().strict();

export const conditionSchema = z
  .object({
    field: z.enum(['title', 'content', 'any']).default('any'),
    op: z.enum(['contains', 'regex']).default('contains'),
    value: z.string().min(1).max(500),
  })
  .strict()
  .superRefine((condition, ctx) => {
    const problem = condition.op === 'regex' ? regexProblem(condition.value) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: `is not a valid regular expression: ${problem}` });
  });

export const pushRuleSchema = z.object({
  action: z.enum(['trigger', 'close']),
  conditions: z.array(conditionSchema).max(10).default([]),
  keyField: z.enum(['title', 'content']).default('title'),
  keyRegex: regexSource.optional(),
}).strict();

export const routingRuleSchema = z.object({
  conditions: z.array(conditionSchema).min(1).max(10),
  channelId: positiveId,
}).strict();

/** Fields every integration has, whatever its type; a type's own settings sit beside them in the same body. */
const integrationFields = {
  name: z.string().trim().min(1).max(100),
  kind: z.enum(['dedicated', 'shared']).default('dedicated'),
  channelId: positiveId.nullable().default(null),
  routes: z.array(routingRuleSchema).max(50).nullable().default(null),
  defaultChannelId: positiveId.nullable().default(null),
  messageFormat: z.enum(['text', 'markdown']).default('text'),
  pushMode: z.enum(['always_new', 'by_title', 'by_rules']).default('always_new'),
  pushRules: z.array(pushRuleSchema).max(50).nullable().default(null),
  discardUnmatched: z.boolean().default(false),
  keywords: z.array(z.string().trim().min(1).max(200)).max(10).default([]),
  enabled: z.boolean().default(true),
};

/**
 * The create body of one integration type: `type`, the shared fields and the type's settings, flat; the output
 * gathers the type's settings under `settings`. `type` may be left out for the default type only.
 */
export function integrationInputSchema(source: SourceType, isDefaultType: boolean): z.ZodType<IntegrationInput> {
  const settingsFields = source.settings.shape;
  const clash = Object.keys(settingsFields).find((field) => field === 'type' || field in integrationFields);
  if (clash) throw new Error(`integration type ${source.name}: setting ${clash} has the name of a shared field`);
  const type = z.literal(source.name).describe('The integration type; GET /integration-types lists them');
  return z
    .object({ type: isDefaultType ? type.default(source.name) : type, ...integrationFields, ...settingsFields })
    .strict()
    .superRefine((value, ctx) => {
      if (value.kind === 'dedicated' && value.channelId === null) {
        ctx.addIssue({ code: 'custom', path: ['channelId'], message: 'is required for a dedicated integration' });
      }
      if (value.kind === 'shared' && value.defaultChannelId === null) {
        ctx.addIssue({ code: 'custom', path: ['defaultChannelId'], message: 'is required for a shared integration (where unmatched messages go)' });
      }
      if (value.pushMode === 'by_rules' && !(value.pushRules ?? []).some((rule) => rule.action === 'trigger')) {
        ctx.addIssue({ code: 'custom', path: ['pushRules'], message: 'needs at least one trigger rule in by_rules mode' });
      }
      for (const problem of source.check?.(value) ?? []) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    })
    .transform((value): IntegrationInput => {
      const settings: Record<string, unknown> = {};
      const shared: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) (field in settingsFields ? settings : shared)[field] = fieldValue;
      const input = { ...shared, settings } as IntegrationInput;
      return input.kind === 'dedicated'
        ? { ...input, routes: null, defaultChannelId: null }
        : { ...input, channelId: null, routes: input.routes ?? [] };
    });
}

/** A PATCH body is any object: it is merged onto the stored integration and the whole is validated. */
export const integrationPatchSchema = z.record(z.string(), z.unknown());

export const incidentActionSchema = z.object({ memberId: positiveId.optional() }).strict();

/** `step`: how many steps the caller saw taken; when the incident has moved on since, nothing is paged. */
export const incidentEscalateSchema = z.object({ memberId: positiveId.optional(), step: z.number().int().min(0).optional() }).strict();

const severity = z.enum(['critical', 'warning', 'info']);

export const escalationDryRunSchema = z
  .object({
    channelId: positiveId,
    incidentId: positiveId.optional(),
    sample: z.object({ title: z.string().min(1).max(512), severity, description: z.string().max(21_000).optional() }).strict().optional(),
  })
  .strict()
  .refine((input) => input.incidentId !== undefined || input.sample !== undefined, { message: 'give an incidentId or a sample', path: ['sample'] });

const incidentStatus = z.enum(['triggered', 'acknowledged', 'closed']);

export const incidentListQuerySchema = z.object({
  status: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(incidentStatus))
    .optional(),
  channelId: z.coerce.number().int().positive().optional(),
  severity: z.enum(['critical', 'warning', 'info']).optional(),
  since: z.iso.datetime({ offset: true }).transform((value) => new Date(value)).optional(),
  until: z.iso.datetime({ offset: true }).transform((value) => new Date(value)).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');

export const escalationRuleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    enabled: z.boolean().default(true),
    filters: z
      .object({
        severities: z.array(z.enum(['critical', 'warning', 'info'])).max(3).optional(),
        conditions: z.array(conditionSchema).max(10).optional(),
        timeWindow: z
          .object({ weekdays: z.array(z.number().int().min(0).max(6)).min(1).max(7), start: clock, end: clock })
          .strict()
          .refine((window) => window.start !== window.end, { message: 'start and end must differ', path: ['end'] })
          .optional(),
      })
      .strict()
      .default({}),
    levels: z
      .array(
        z
          .object({
            memberIds: z.array(positiveId).min(1).max(50),
            notifyGroupChats: z.boolean().default(true),
            notifyDirect: z.boolean().default(true),
            /** Group bots of the rule's channel that post the page with @mentions of the level's members. */
            notifyBotIds: z.array(positiveId).max(10).optional(),
            /** An email to each member's address, through the default email integration. */
            notifyEmail: z.boolean().optional(),
            /** Fractions allowed (0.05 = 3 s), which keeps tests fast. */
            waitMinutes: z.number().min(0.01).max(1440),
          })
          .strict()
          .refine((level) => level.notifyGroupChats || level.notifyDirect || level.notifyEmail || (level.notifyBotIds?.length ?? 0) > 0, { message: 'needs at least one way to reach people', path: ['notifyDirect'] }),
      )
      .min(1)
      .max(10),
    repeat: z.number().int().min(0).max(5).default(0),
    stopOn: z.enum(['acknowledged', 'closed']).default('acknowledged'),
    position: z.number().int().min(0).optional(),
  })
  .strict();
