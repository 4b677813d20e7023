import type { BotKindName } from '../../domain/bot-kind-name.js';
import type { PlatformError } from './platform-error.js';

/**
 * Where one group bot posts, as its admin configured it. Every field but `keyword` and `chatId` is a secret: the
 * webhook URLs carry their access token (Feishu hook id, DingTalk access_token, WeCom key, Slack path, Telegram token).
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
  /** A digest's entries (several incidents' news coalesced into one message): untrusted text, each with its link. */
  items?: BotNoticeItem[];
  mentions: BotMention[];
  /**
   * Set when `title` and `lines` are a rendered message template: already in the kind's markup, with every value
   * escaped for it (BotMarkup.escape), so the kind only caps them. The link, mentions and keyword are still the kind's.
   */
  formatted?: boolean;
}

/** A rendered template's title may cost this much in its kind's units: the kinds cut a formatted title only past it. */
export const FORMATTED_TITLE_ROOM = 1200;

/**
 * How text lands in one kind's message, for message templates: values are escaped with `escape`; a rendered
 * template must cost at most `room` (by `cost`), so that with the link, mentions and keyword added the kind never has
 * to cut its markup; `check` names markup the platform would refuse (undefined when it takes it).
 */
export interface BotMarkup {
  /** How the markup is called in messages to admins ("Telegram HTML", "Slack mrkdwn" …). */
  name: string;
  escape(text: string): string;
  /** What the title and body together may cost (the title alone: FORMATTED_TITLE_ROOM). */
  room: number;
  cost(text: string): number;
  check?(text: string): string | undefined;
}

export interface BotNoticeItem {
  text: string;
  url: string;
}

/** What the platform answered, kept as the send's record. */
export interface BotAnswer {
  status: number;
  body: string;
}

export interface BotSendOptions {
  /** The bot's own key (its id): pacing and rate-limit holds are per bot. */
  key: string;
  /** Lower goes first among the calls waiting for the bot (pages before subscription notices). */
  priority?: number;
  /** Tries in all, retryable failures included; 1 = no retry here (the caller retries later itself). */
  attempts?: number;
}

export type BotSendResult =
  | { ok: true; answer: BotAnswer; attempts: number }
  | { ok: false; error: PlatformError; answer?: BotAnswer; attempts: number };

/** What a bot kind needs besides its URL, and whether it takes a keyword (checked when a bot is saved). */
export interface BotKindNeeds {
  secret: boolean;
  chatId: boolean;
  keyword: boolean;
  /** At most this many digest items in one message of the kind (fewer when they don't fit). */
  digestItems: number;
}

/** Builds the notice when the bot's turn has come; `fits` tells whether a candidate is within the kind's size limits. */
export type BotNoticeFactory = (fits: (notice: BotNotice) => boolean) => BotNotice;

/** Sending to group bots: the services' side of platforms/webhook-bots. */
export interface WebhookBotSending {
  needs(kind: BotKindName): BotKindNeeds;
  markup(kind: BotKindName): BotMarkup;
  /**
   * `notice` may be given as a function: it is called once, when the bot's turn has come (after pacing and any hold),
   * so a caller can coalesce into it whatever queued up meanwhile.
   */
  send(kind: BotKindName, target: BotTarget, notice: BotNotice | BotNoticeFactory, options: BotSendOptions): Promise<BotSendResult>;
}
