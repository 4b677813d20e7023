import type { BotKind, BotKindName } from './bot-kind.js';
import { dingtalkBot } from './dingtalk.bot.js';
import { feishuBot } from './feishu.bot.js';
import { slackBot } from './slack.bot.js';
import { telegramBot } from './telegram.bot.js';
import { wecomBot } from './wecom.bot.js';
import { zoomBot } from './zoom.bot.js';

/** Every group bot kind, by name. */
export const BOT_KINDS: Record<BotKindName, BotKind> = {
  feishu: feishuBot,
  dingtalk: dingtalkBot,
  wecom: wecomBot,
  telegram: telegramBot,
  slack: slackBot,
  zoom: zoomBot,
};
