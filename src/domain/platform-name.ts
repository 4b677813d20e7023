/** The IM apps an incident card, binding or linked account can belong to. */
export type PlatformName = 'feishu' | 'slack' | 'dingtalk';
