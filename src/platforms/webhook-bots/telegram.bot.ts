import { PlatformError } from '../../services/ports/platform-error.js';
import type { BotAnswer, BotKind, BotNotice, BotTarget } from './bot-kind.js';
import { answerJson, byHttpStatus, secondsToMs } from './bot-answers.js';
import { fitTexts, itemText, utf16 } from './bot-text.js';
import { checkTelegramHtml, withoutTags } from './telegram-html.js';
import { escapeTagCharacters } from '../../lib/html-escape.js';

/** sendMessage's text may be 1-4096 characters (counted after entities are parsed; the markup counted too is safe). */
export const TELEGRAM_TEXT_CHARS = 4096;

/** HTML parse mode: `&`, `<`, `>` must be entities in text, and `"` too inside an attribute. */
export function escapeTelegramHtml(text: string): string {
  return escapeTagCharacters(text).replace(/"/g, '&quot;');
}

/**
 * Telegram bot: sendMessage with parse_mode HTML (simpler to escape than MarkdownV2 and as rich for a notice). A
 * member with a Telegram user id is mentioned by a `tg://user?id=` link; others are named.
 */
export const telegramBot: BotKind = {
  name: 'telegram',
  // Telegram lets a bot send about 20 messages a minute to one group (kept with a margin of two).
  pacing: { perSecond: { rate: 1, burst: 3 }, perMinute: { rate: 15 / 60, burst: 3 } },
  needs: { chatId: true },
  keyword: false,
  digestItems: 20,
  markup: { name: 'Telegram HTML', escape: escapeTelegramHtml, room: 3_000, cost: utf16, check: checkTelegramHtml },

  request(target: BotTarget, notice: BotNotice) {
    const people = notice.mentions
      .map((mention) => (mention.id && /^\d+$/.test(mention.id) ? `<a href="tg://user?id=${mention.id}">${escapeTelegramHtml(mention.name)}</a>` : `@${escapeTelegramHtml(mention.name)}`))
      .join(' ');
    const link = notice.link ? `<a href="${escapeTelegramHtml(notice.link.url)}">${escapeTelegramHtml(notice.link.text)}</a>` : '';
    const items = (notice.items ?? []).map((item) => `${itemText(item.text, escapeTelegramHtml)} <a href="${escapeTelegramHtml(item.url)}">Details</a>`);
    const fixed = `<b></b>\n${link}\n${people}\n${items.join('\n')}`.length + 8;
    let { title, lines } = fitTexts(notice, escapeTelegramHtml, TELEGRAM_TEXT_CHARS, fixed, utf16);
    // A rendered template cut to make room (a page with very many mentions) may have lost a closing tag, which
    // Telegram would refuse: its tags go, its text (entities intact) stays.
    if (notice.formatted && checkTelegramHtml([title, ...lines].join('\n'))) [title, lines] = [withoutTags(title), lines.map(withoutTags)];
    const text = [`<b>${title}</b>`, ...lines, ...items, link, people].filter(Boolean).join('\n');
    const body = { chat_id: target.chatId, text, parse_mode: 'HTML', disable_web_page_preview: true };
    return { url: `${target.url.replace(/\/+$/, '')}/sendMessage`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },

  fits(target: BotTarget, notice: BotNotice) {
    return JSON.parse(this.request(target, notice, 0).body).text.length <= TELEGRAM_TEXT_CHARS;
  },

  classify(answer: BotAnswer, headers: Headers) {
    const json = answerJson(answer);
    if (json?.ok === true) return undefined;
    const code = Number(json?.error_code ?? answer.status);
    const description = String(json?.description ?? '');
    const message = `telegram bot: ${code} ${description.slice(0, 200)}`;
    if (code === 429) return new PlatformError('bot:telegram', 'rate_limited', code, message, secondsToMs(json?.parameters?.retry_after) ?? secondsToMs(headers.get('retry-after')));
    if (code === 400 && /chat not found|group chat was upgraded/i.test(description)) return new PlatformError('bot:telegram', 'target_gone', code, message);
    // 403: the bot was removed from the group or blocked; 404: the token is unknown.
    if (code === 403) return new PlatformError('bot:telegram', 'target_gone', code, message);
    if (code === 404 || code === 401) return new PlatformError('bot:telegram', 'auth', code, message);
    return byHttpStatus('telegram', answer, headers, code);
  },
};
