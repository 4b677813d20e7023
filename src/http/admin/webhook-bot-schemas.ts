import { z } from 'zod';
import { BOT_EVENTS, BOT_KIND_NAMES } from '../../domain/bot-kind-name.js';

/** Group bot requests: validation and the OpenAPI document come from here. What each kind needs is checked by the service. */

const secret = (description: string) => z.string().min(1).max(500).nullable().meta({ writeOnly: true, description });

const botFields = {
  name: z.string().trim().min(1).max(100),
  kind: z.enum(BOT_KIND_NAMES),
  url: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) webhook URL' })
    .max(2000)
    .meta({ writeOnly: true, description: "The webhook URL (it carries the bot's token: never shown). Telegram: https://api.telegram.org/bot<token>" }),
  secret: secret('Feishu / DingTalk signing secret; Zoom verification token (never shown: hasSecret)'),
  chatId: z.string().trim().min(1).max(100).nullable().meta({ description: 'Telegram chat id' }),
  keyword: z.string().trim().min(1).max(100).nullable().meta({ description: 'Feishu / DingTalk keyword: added to every message that lacks it' }),
  mappingTableId: z.number().int().positive().nullable().meta({ description: 'Mapping table (member email → user id on this IM) for @mentions; its kind must be the bot kind' }),
  events: z.array(z.enum(BOT_EVENTS)).max(BOT_EVENTS.length).meta({ description: 'Incident events of the channel the bot is told about' }),
  enabled: z.boolean(),
};

// Defaults only on create: zod 4 applies a default even inside .partial(), which would reset fields on PATCH.
export const webhookBotInputSchema = z
  .object({
    ...botFields,
    secret: botFields.secret.optional(),
    chatId: botFields.chatId.optional(),
    keyword: botFields.keyword.optional(),
    mappingTableId: botFields.mappingTableId.optional(),
    events: botFields.events.default([...BOT_EVENTS]),
    enabled: botFields.enabled.default(true),
  })
  .strict();

export const webhookBotPatchSchema = z.object(botFields).partial().strict();
