import { capText, type TextCost } from '../../rendering/text-caps.js';
import type { BotNotice } from './bot-kind.js';
import { FORMATTED_TITLE_ROOM } from '../../services/ports/webhook-bots.js';

/** UTF-8 bytes, as WeCom and DingTalk count their limits. */
export const utf8Bytes: TextCost = (text) => Buffer.byteLength(text, 'utf8');

/** Bytes a text adds inside a JSON body (its escapes included). */
export const jsonBytes: TextCost = (text) => Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;

/** Markdown that only shows the text: every character markdown (CommonMark and the IMs' dialects) could act on is escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|>~<]/g, (character) => (character === '<' ? '&lt;' : `\\${character}`));
}

/** Alert text on one line: a title with a newline could fake the lines that follow it. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t\u2028\u2029]+/g, ' ').trim();
}

/**
 * The notice's texts escaped and cut to fit `limit` (by `cost`) once `fixed` (mentions, link, keyword …) is
 * counted: the title to a line, then the lines in order, the last ones giving way first. A rendered template
 * (`formatted`) is escaped already: only cut.
 */
export function fitTexts(notice: BotNotice, givenEscape: (text: string) => string, limit: number, fixed: number, cost: TextCost, titleLimit = 200): { title: string; lines: string[] } {
  const escape = notice.formatted ? (text: string) => text : givenEscape;
  // A rendered title is escaped already (so longer than its text): cut only past what its markup check allows.
  const title = notice.formatted ? capText(oneLine(notice.title), FORMATTED_TITLE_ROOM, cost) : capText(escape(capText(oneLine(notice.title), titleLimit)), titleLimit * 6, cost);
  let room = limit - fixed - cost(title);
  const lines: string[] = [];
  for (const raw of notice.lines) {
    if (room <= 1) break;
    // Cut before escaping (a huge description costs nothing to throw away), again after (escaping lengthens).
    const line = capText(escape(capText(raw, room, cost)), room, cost);
    if (!line) break;
    lines.push(line);
    room -= cost(line) + 1;
  }
  return { title, lines };
}

/** The keyword the platform insists on, added as a last line when the text doesn't already contain it. */
export function withKeyword(text: string, keyword: string | null | undefined): string {
  return keyword && !text.includes(keyword) ? `${text}\n${keyword}` : text;
}

export const utf16: TextCost = (text) => text.length;

/** A digest item's text: one line of at most ITEM_CHARS once escaped. */
export const ITEM_CHARS = 150;

export function itemText(text: string, escape: (text: string) => string): string {
  return capText(escape(capText(oneLine(text), 100)), ITEM_CHARS);
}
