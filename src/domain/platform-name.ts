/** The IM apps an incident card, binding or linked account can belong to. */
export const PLATFORM_NAMES = ['feishu', 'slack', 'dingtalk'] as const;
export type PlatformName = (typeof PLATFORM_NAMES)[number];
