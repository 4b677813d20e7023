import type { PlatformError } from '../../services/ports/platform-error.js';
import type { BotKindName } from '../../domain/bot-kind-name.js';
import type { BotAnswer, BotMarkup, BotNotice, BotTarget } from '../../services/ports/webhook-bots.js';

export { BOT_KIND_NAMES, type BotKindName } from '../../domain/bot-kind-name.js';
export type { BotAnswer, BotMarkup, BotMention, BotNotice, BotTarget } from '../../services/ports/webhook-bots.js';

/** One HTTP request to the platform. */
export interface BotRequest {
  url: string;
  headers: Record<string, string>;
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
  /** At most this many digest items in one message (fewer when they don't fit: see fits). */
  readonly digestItems: number;
  /** How message templates write into this kind's message (escaping, room, what the platform refuses). */
  readonly markup: BotMarkup;
  /** Whether the request for `notice` is within the kind's size limits (a digest is shortened until it is). */
  fits(target: BotTarget, notice: BotNotice): boolean;
  /** The request that posts `notice` (the kind's richest format), signed when the bot has a secret. */
  request(target: BotTarget, notice: BotNotice, now: number): BotRequest;
  /** undefined when the answer means the message was posted; else the error, classified. */
  classify(answer: BotAnswer, headers: Headers): PlatformError | undefined;
}
