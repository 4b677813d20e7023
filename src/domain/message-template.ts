import { BOT_EVENTS, BOT_KIND_NAMES } from './bot-kind-name.js';

/**
 * What a message template is for: a channel's incident events, an escalation page and a bot's test message.
 */
export const TEMPLATE_EVENTS = [...BOT_EVENTS, 'page', 'test'] as const;
export type TemplateEvent = (typeof TEMPLATE_EVENTS)[number];

/**
 * Where a rendered template lands, each with its own markup and escaping: the six group bot kinds, and email — its
 * subject and plain text (`email`) and its HTML body (`email-html`).
 */
export const TEMPLATE_KINDS = [...BOT_KIND_NAMES, 'email', 'email-html'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** A template's source may be at most this long (characters): it is parsed on every save and kept in memory. */
export const TEMPLATE_SOURCE_CHARS = 10_000;
