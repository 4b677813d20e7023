import type { BotAnswer, BotKind, BotNotice, BotTarget } from './bot-kind.js';
import { answerJson, byHttpStatus } from './bot-answers.js';
import { fitTexts, itemText, oneLine, utf16 } from './bot-text.js';
import { capText } from '../../rendering/text-caps.js';

/** Zoom Team Chat messages may be 4096 characters; the head is one line. */
export const ZOOM_BOT_TEXT_CHARS = 4096;
export const ZOOM_BOT_HEAD_CHARS = 200;

/**
 * Zoom Team Chat incoming webhook, `format=full`: a head (the title) and one message section. Without
 * `is_markdown_support` Zoom shows the text as written, so alert text needs no escaping; the incoming webhook has no
 * mention syntax, so members are named.
 */
export const zoomBot: BotKind = {
  name: 'zoom',
  // Zoom documents no figure for incoming webhooks; paced as Slack's.
  pacing: { perSecond: { rate: 1, burst: 2 } },
  needs: { secret: true },
  keyword: false,
  digestItems: 20,
  // Shown as written (no markdown support asked for): nothing to escape.
  markup: { name: 'Zoom plain text', escape: (text) => text, room: 3_000, cost: utf16 },

  request(target: BotTarget, notice: BotNotice) {
    const people = notice.mentions.map((mention) => `@${mention.name}`).join(' ');
    const link = notice.link ? `${notice.link.text}: ${notice.link.url}` : '';
    const items = (notice.items ?? []).map((item) => `${itemText(item.text, (text) => text)} ${item.url}`);
    const fixed = link.length + people.length + items.join('\n').length + 4;
    const { lines } = fitTexts({ ...notice, title: '' }, (text) => text, ZOOM_BOT_TEXT_CHARS, fixed, utf16);
    const text = [...lines, ...items, link, people].filter(Boolean).join('\n');
    const head = capText(oneLine(notice.title), ZOOM_BOT_HEAD_CHARS);
    const url = new URL(target.url);
    url.searchParams.set('format', 'full');
    const body = { content: { head: { text: head }, body: [{ type: 'message', text }] } };
    return { url: url.toString(), headers: { 'content-type': 'application/json', authorization: target.secret ?? '' }, body: JSON.stringify(body) };
  },

  fits(target: BotTarget, notice: BotNotice) {
    return JSON.parse(this.request(target, notice, 0).body).content.body[0].text.length <= ZOOM_BOT_TEXT_CHARS;
  },

  classify(answer: BotAnswer, headers: Headers) {
    if (answer.status >= 200 && answer.status < 300) return undefined;
    const json = answerJson(answer);
    return byHttpStatus('zoom', answer, headers, json?.code ?? answer.status);
  },
};
