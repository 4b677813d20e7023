/** The group webhook bot kinds (outgoing only: a custom bot's webhook in a group chat). */
export const BOT_KIND_NAMES = ['feishu', 'dingtalk', 'wecom', 'telegram', 'slack', 'zoom'] as const;
export type BotKindName = (typeof BOT_KIND_NAMES)[number];

/** The incident events a bot can be subscribed to. */
export const BOT_EVENTS = ['triggered', 'acknowledged', 'escalated', 'closed', 'reopened'] as const;
export type BotEvent = (typeof BOT_EVENTS)[number];
