import { localPacing, type KeyedPacer, type Pacing, type OnRateLimitHold } from '../../lib/pacer.js';

/**
 * The sizes this app keeps DingTalk's texts within, in characters of the text as sent (escapes included). DingTalk
 * documents few hard limits for robot messages and card data; these stay well inside what its clients show and what
 * its APIs take (a robot message over about 5000 characters, or card data over about 20 KB, is refused or cut off).
 */
export const DINGTALK_LIMITS = {
  /** A template-free robot message's markdown text (sampleMarkdown / sampleActionCard `text`). */
  messageText: 5000,
  /** A message's `title`: what the conversation list and the notification show. */
  messageTitle: 100,
  /** The card's title line. */
  cardTitle: 200,
  /** The card's description block; the Details page has the rest. */
  cardDescription: 2000,
  /** The card's activity lines. */
  cardActivity: 1500,
  /** A channel name in the card's subtitle. */
  channelName: 100,
  /** The clicker's private note after a click (the toast's stand-in). */
  toast: 300,
  /** A plain text robot message (sampleText `content`): a DM, a command's answer. */
  plainText: 5000,
} as const;

/**
 * DingTalk's rate limits for an app robot: group messages are throttled per group (about 20 a minute), the card API
 * per app and API (20 QPS by default) and the gateway per egress IP (10,000 per 20 s). We stay under them: one post a
 * second per group with a burst of 3, two updates a second per card, 15 card calls a second for the whole app, one
 * 1:1 message a second per person. DingTalk's own throttling answer (403 QpsLimit…, errcode 90018/90002) holds
 * the group (card, person) back — on every instance with Redis — and the refused call is retried after it.
 */
export interface DingTalkPacers {
  group: KeyedPacer;
  card: KeyedPacer;
  app: KeyedPacer;
  person: KeyedPacer;
}

/** With Redis (`pacing` from the composition root) the limits are shared by every instance. */
export function dingtalkPacers(onHold: OnRateLimitHold, pacing: Pacing = localPacing): DingTalkPacers {
  return {
    group: pacing.pacer('dingtalk:group', 1, 3, (where) => onHold('chat', where)),
    card: pacing.pacer('dingtalk:card', 2, 1, (where) => onHold('message', where)),
    app: pacing.pacer('dingtalk:app', 15, 15, (where) => onHold('workspace', where)),
    person: pacing.pacer('dingtalk:person', 1, 2, (where) => onHold('chat', where)),
  };
}
