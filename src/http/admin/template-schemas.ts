import { z } from 'zod';
import { TEMPLATE_EVENTS, TEMPLATE_KINDS, TEMPLATE_SOURCE_CHARS } from '../../domain/message-template.js';

/** Message template requests: validation and the OpenAPI document come from here. */

export const templateKindSchema = z.enum(TEMPLATE_KINDS).meta({ description: 'Destination kind: a bot kind, `email` (subject line + plain text) or `email-html` (HTML body)' });
export const templateEventSchema = z.enum(TEMPLATE_EVENTS).meta({ description: 'Incident event, `page` (escalation page) or `test` (a bot test message)' });

const source = z.string().min(1).max(TEMPLATE_SOURCE_CHARS).meta({ description: 'LiquidJS source; its first non-blank output line is the title (bot head, email subject). Values are escaped for the kind' });

export const templateInputSchema = z.object({ source }).strict();

export const templatePreviewSchema = z
  .object({
    event: templateEventSchema,
    kind: templateKindSchema.optional(),
    source: source.optional().meta({ description: 'An unsaved source to try (needs kind); without it, the channel’s templates as they are' }),
    incidentId: z.number().int().positive().optional().meta({ description: 'Render with this incident of the channel; without it, with the sample incident' }),
  })
  .strict();
