import { createHmac } from 'node:crypto';
import { PlatformError, type PlatformErrorKind } from '../../services/ports/platform-error.js';
import type { BotAnswer, BotKind, BotNotice, BotTarget } from './bot-kind.js';
import { answerJson, byCode, byHttpStatus } from './bot-answers.js';
import { escapeMarkdown, fitTexts, itemText, utf8Bytes, withKeyword } from './bot-text.js';

/**
 * DingTalk states no size for a markdown message; 20,000 bytes is the figure it gives for text messages, taken here
 * for the markdown text too (an assumption, kept by the fake).
 */
export const DINGTALK_BOT_TEXT_BYTES = 20_000;
/** After more than 20 messages in a minute DingTalk refuses the bot's messages for 10 minutes. */
const THROTTLED_MS = 10 * 60_000;

const ERRORS: Record<number, PlatformErrorKind> = {
  130101: 'rate_limited',
  300001: 'target_gone',
  400101: 'target_gone',
};

/** `urlencode(base64(HMAC_SHA256(key = secret, message = timestamp + "\n" + secret)))`, timestamp in ms. */
export function dingtalkBotSign(secret: string, timestampMs: number): string {
  return encodeURIComponent(createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64'));
}

/** A mobile number as DingTalk takes it in atMobiles (digits, an optional +country-); anything else is only named. */
const MOBILE = /^\+?[\d-]{5,20}$/;

/**
 * DingTalk custom robot: a `markdown` message whose mentions are `at.atMobiles` and, as DingTalk needs to show them,
 * `@<mobile>` in the text. Alert text is escaped so it can't add links, headings or HTML, and it can't mention anyone:
 * only numbers in atMobiles are mentioned, and isAtAll is always false.
 */
export const dingtalkBot: BotKind = {
  name: 'dingtalk',
  // 20 a minute allowed; at most 18 in any minute here (a burst of 4, then 14 a minute): one over costs 10 minutes of silence.
  pacing: { perSecond: { rate: 1, burst: 4 }, perMinute: { rate: 14 / 60, burst: 4 } },
  needs: {},
  keyword: true,
  digestItems: 30,
  markup: { name: 'DingTalk markdown', escape: escapeMarkdown, room: 16_000, cost: utf8Bytes },

  request(target: BotTarget, notice: BotNotice, now: number) {
    const mobiles = notice.mentions.filter((mention) => mention.id && MOBILE.test(mention.id)).map((mention) => mention.id!);
    const people = notice.mentions.map((mention) => (mention.id && MOBILE.test(mention.id) ? `@${mention.id}` : `@${escapeMarkdown(mention.name)}`)).join(' ');
    const link = notice.link ? `[${escapeMarkdown(notice.link.text)}](${notice.link.url})` : '';
    const items = (notice.items ?? []).map((item) => `- ${itemText(item.text, escapeMarkdown)} [Details](${item.url})`);
    const fixed = utf8Bytes(`### \n\n${link}\n\n${people}\n\n${target.keyword ?? ''}\n\n${items.join('\n')}`) + 64;
    const { title, lines } = fitTexts(notice, escapeMarkdown, DINGTALK_BOT_TEXT_BYTES, fixed, utf8Bytes);
    const parts = [`### ${title}`, ...lines, items.join('\n'), link, people].filter(Boolean);
    const text = withKeyword(parts.join('\n\n'), target.keyword);
    // The title shows in the notification preview only, as plain text; the keyword counts there too.
    const previewTitle = title.replace(/\\(.)/g, '$1').replace(/&lt;/g, '<');
    const body = { msgtype: 'markdown', markdown: { title: previewTitle, text }, at: { atMobiles: mobiles, isAtAll: false } };
    let url = target.url;
    if (target.secret) url += `${url.includes('?') ? '&' : '?'}timestamp=${now}&sign=${dingtalkBotSign(target.secret, now)}`;
    return { url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },

  fits(target: BotTarget, notice: BotNotice) {
    return utf8Bytes(JSON.parse(this.request(target, notice, 0).body).markdown.text) <= DINGTALK_BOT_TEXT_BYTES;
  },

  classify(answer: BotAnswer, headers: Headers) {
    const json = answerJson(answer);
    if (answer.status !== 200 || !json) return byHttpStatus('dingtalk', answer, headers);
    const code = Number(json.errcode ?? 0);
    if (code === 0) return undefined;
    const message = String(json.errmsg ?? '');
    if (code === 310000) {
      // One code for three refusals: tell them apart by the message.
      const kind: PlatformErrorKind = /sign|timestamp/i.test(message) ? 'auth' : /ip/i.test(message) ? 'permission_denied' : 'bad_request';
      return new PlatformError('bot:dingtalk', kind, code, `dingtalk bot: ${code} ${message.slice(0, 200)}`);
    }
    return byCode('dingtalk', ERRORS, code, message, THROTTLED_MS);
  },
};
