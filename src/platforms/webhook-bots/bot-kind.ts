import type { PlatformError } from '../../services/ports/platform-error.js';

export const BOT_KIND_NAMES = ['feishu', 'dingtalk', 'wecom', 'telegram', 'slack', 'zoom'] as const;
export type BotKindName = (typeof BOT_KIND_NAMES)[number];

/**
 * Where one group bot posts, as its admin configured it. Every field but `keyword` is a secret: the webhook URLs
 * carry their access token (Feishu hook id, DingTalk access_token, WeCom key, Slack path, Telegram bot token).
 * - `url`: the webhook endpoint; for Telegram the bot's API base `https://api.telegram.org/bot<token>`.
 * - `secret`: Feishu / DingTalk signing secret; Zoom's verification token.
 * - `chatId`: Telegram's chat id.
 * - `keyword`: Feishu / DingTalk refuse a message without it.
 */
export interface BotTarget {
  url: string;
  secret?: string | null;
  chatId?: string | null;
  keyword?: string | null;
}

/** Someone to @mention: `id` is the IM's user id (a mobile number for DingTalk); without it the name is written out. */
export interface BotMention {
  name: string;
  id?: string;
}

/**
 * A notice as the services give it, before any kind's markup. `title` and `lines` are untrusted (alert text) and
 * escaped by each kind; `link.url` is ours.
 */
export interface BotNotice {
  title: string;
  lines: string[];
  link?: { text: string; url: string };
  mentions: BotMention[];
}

/** One HTTP request to the platform. */
export interface BotRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the platform answered, kept as the send's record. */
export interface BotAnswer {
  status: number;
  body: string;
}

/**
 * How fast one bot may be called: `perSecond` steady with `burst` at once, and optionally a second, slower bucket
 * (`perMinute`) for kinds limited per minute. A bucket of size B refilled at r/s lets through at most B + r·W calls in
 * any window of W seconds, so a limit of N a minute is kept with rate (N − B)/60 and burst B.
 */
export interface BotPacing {
  perSecond: { rate: number; burst: number };
  perMinute?: { rate: number; burst: number };
}

/** One kind of group bot: its body shapes, mention syntax, signing, limits and error codes. */
export interface BotKind {
  readonly name: BotKindName;
  readonly pacing: BotPacing;
  /** What the admin must give beyond `url` (refused at save without it). */
  readonly needs: { secret?: boolean; chatId?: boolean };
  /** Whether the kind can carry a keyword (Feishu, DingTalk). */
  readonly keyword: boolean;
  /** The request that posts `notice` (the kind's richest format), signed when the bot has a secret. */
  request(target: BotTarget, notice: BotNotice, now: number): BotRequest;
  /** undefined when the answer means the message was posted; else the error, classified. */
  classify(answer: BotAnswer, headers: Headers): PlatformError | undefined;
}
