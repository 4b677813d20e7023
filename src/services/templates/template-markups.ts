import { BOT_KIND_NAMES, type BotKindName } from '../../domain/bot-kind-name.js';
import type { TemplateKind } from '../../domain/message-template.js';
import { escapeHtml } from '../../lib/html-escape.js';
import { FORMATTED_TITLE_ROOM, type WebhookBotSending } from '../ports/webhook-bots.js';

/** A rendered template: its first non-blank line is the title (a bot's head, an email's subject), the rest the body. */
export interface RenderedMessage {
  title: string;
  body: string;
}

/** How one destination kind takes a rendered template. */
export interface TemplateMarkup {
  /** The markup's name, for admins ("Telegram HTML" …). */
  name: string;
  escape(text: string): string;
  /** Whether the first line is a title (else the whole output is the body: an email's HTML). */
  titled: boolean;
  /** Why the destination can't take this message (too long, markup it refuses), or undefined. */
  check(message: RenderedMessage): string | undefined;
}

/** An email subject longer than this is refused (RFC 5322 advises 78 a line; mail clients cut far earlier). */
export const EMAIL_SUBJECT_CHARS = 250;
export const EMAIL_BODY_CHARS = 40_000;

/** Trailing blanks off each line, no more than one empty line in a row, none at either end. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export function splitMessage(output: string, titled: boolean): RenderedMessage {
  const text = tidy(output.replace(/\r\n?/g, '\n'));
  if (!titled) return { title: '', body: text };
  const end = text.indexOf('\n');
  return end < 0 ? { title: text, body: '' } : { title: text.slice(0, end).trim(), body: text.slice(end + 1).trim() };
}

export const isBotKind = (kind: TemplateKind): kind is BotKindName => (BOT_KIND_NAMES as readonly string[]).includes(kind);

function botMarkup(sending: WebhookBotSending, kind: BotKindName): TemplateMarkup {
  const markup = sending.markup(kind);
  return {
    name: markup.name,
    escape: markup.escape,
    titled: true,
    check({ title, body }) {
      if (!title) return 'the first line (the title) is empty';
      if (markup.cost(title) > FORMATTED_TITLE_ROOM) return `the title is too long for a ${kind} bot (${markup.cost(title)} of at most ${FORMATTED_TITLE_ROOM})`;
      const cost = markup.cost(title) + markup.cost(body);
      if (cost > markup.room) return `the message is too long for a ${kind} bot (${cost} of at most ${markup.room})`;
      return markup.check?.(`${title}\n${body}`);
    },
  };
}

const EMAIL_MARKUPS: Record<'email' | 'email-html', TemplateMarkup> = {
  email: {
    name: 'email subject and plain text',
    escape: (text) => text,
    titled: true,
    check({ title, body }) {
      if (!title) return 'the first line (the subject) is empty';
      if (title.length > EMAIL_SUBJECT_CHARS) return `the subject is longer than ${EMAIL_SUBJECT_CHARS} characters`;
      return body.length > EMAIL_BODY_CHARS ? `the text is longer than ${EMAIL_BODY_CHARS} characters` : undefined;
    },
  },
  'email-html': {
    name: 'email HTML',
    escape: escapeHtml,
    titled: false,
    check: ({ body }) => (body.length > EMAIL_BODY_CHARS ? `the HTML is longer than ${EMAIL_BODY_CHARS} characters` : undefined),
  },
};

/** Every template kind's markup: the bot kinds' from their senders (escaping, room, checks), email's here. */
export function templateMarkups(sending: WebhookBotSending): Record<TemplateKind, TemplateMarkup> {
  const markups = { ...EMAIL_MARKUPS } as Record<TemplateKind, TemplateMarkup>;
  for (const kind of BOT_KIND_NAMES) markups[kind] = botMarkup(sending, kind);
  return markups;
}
