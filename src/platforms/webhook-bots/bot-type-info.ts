import { z } from 'zod';
import { BOT_EVENTS, type BotKindName } from '../../domain/bot-kind-name.js';
import { describeFields, type DestinationTypeInfo } from '../../services/registry/type-info.js';
import { BOT_KINDS } from './bot-kinds.js';

const LABELS: Record<BotKindName, { label: string; url: string; secret?: string }> = {
  feishu: { label: 'Feishu / Lark group bot', url: 'Custom bot webhook URL (…/open-apis/bot/v2/hook/…)', secret: 'Signing secret, when the bot has signature verification on' },
  dingtalk: { label: 'DingTalk group robot', url: 'Custom robot webhook URL (…/robot/send?access_token=…)', secret: 'Signing secret (SEC…), when the robot signs' },
  wecom: { label: 'WeCom group bot', url: 'Group bot webhook URL (…/cgi-bin/webhook/send?key=…)' },
  telegram: { label: 'Telegram bot', url: 'Bot API base with the token: https://api.telegram.org/bot<token>' },
  slack: { label: 'Slack incoming webhook', url: 'Incoming webhook URL (https://hooks.slack.com/services/…)' },
  zoom: { label: 'Zoom Team Chat incoming webhook', url: 'Incoming webhook endpoint', secret: 'Verification token' },
};

/** The settings a bot of this kind takes through the admin API, as a zod object (descriptions, secrets write-only). */
function botSettings(name: BotKindName): z.ZodObject {
  const kind = BOT_KINDS[name];
  const text = LABELS[name];
  const shape: Record<string, z.ZodType> = {
    name: z.string().meta({ description: 'Name shown in the admin API and on the timeline' }),
    url: z.string().meta({ writeOnly: true, description: text.url }),
  };
  if (text.secret) shape.secret = (kind.needs.secret ? z.string() : z.string().optional()).meta({ writeOnly: true, description: text.secret });
  if (kind.needs.chatId) shape.chatId = z.string().meta({ description: 'Chat id the bot posts to' });
  if (kind.keyword) shape.keyword = z.string().optional().meta({ description: 'Keyword the bot requires; added to messages that lack it' });
  shape.mappingTableId = z.number().int().optional().meta({ description: 'Mapping table (member email → user id) for @mentions' });
  shape.events = z.array(z.enum(BOT_EVENTS)).optional().meta({ description: 'Incident events of the channel the bot is told about (default all)' });
  shape.enabled = z.boolean().optional().meta({ description: 'Off: the bot is told nothing' });
  return z.object(shape);
}

/** Every group bot kind as a destination type: set up per bot through the admin API, able to post group notices. */
export function describeBotKinds(): Array<DestinationTypeInfo & { enabled: boolean }> {
  return Object.values(BOT_KINDS).map((kind) => ({
    name: `${kind.name}-bot`,
    label: LABELS[kind.name].label,
    configuredBy: 'admin_api' as const,
    capabilities: ['notices' as const],
    fields: describeFields(botSettings(kind.name)),
    // Nothing to configure on the instance: any channel may add one.
    enabled: true,
  }));
}
