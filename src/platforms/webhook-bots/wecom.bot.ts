import type { PlatformErrorKind } from '../../services/ports/platform-error.js';
import type { BotAnswer, BotKind, BotNotice, BotTarget } from './bot-kind.js';
import { answerJson, byCode, byHttpStatus } from './bot-answers.js';
import { escapeMarkdown, fitTexts, itemText, utf8Bytes } from './bot-text.js';

/** markdown.content may be at most 4096 bytes (UTF-8); over it WeCom answers 40058. */
export const WECOM_BOT_MARKDOWN_BYTES = 4096;

const ERRORS: Record<number, PlatformErrorKind> = {
  45009: 'rate_limited',
  93000: 'target_gone',
  40058: 'bad_request',
  40008: 'bad_request',
};

/**
 * WeCom group bot: a `markdown` message, members mentioned as `<@userid>`. Alert text is escaped (`<` as `&lt;`), so
 * it can neither form a mention nor markup; members without a WeCom user id are named in plain text.
 */
export const wecomBot: BotKind = {
  name: 'wecom',
  // 20 a minute, kept with a margin of two.
  pacing: { perSecond: { rate: 1, burst: 4 }, perMinute: { rate: 14 / 60, burst: 4 } },
  needs: {},
  keyword: false,
  digestItems: 20,
  markup: { name: 'WeCom markdown', escape: escapeMarkdown, room: 3_000, cost: utf8Bytes },

  request(target: BotTarget, notice: BotNotice) {
    const people = notice.mentions.map((mention) => (mention.id && /^[\w.@-]+$/.test(mention.id) ? `<@${mention.id}>` : `@${escapeMarkdown(mention.name)}`)).join(' ');
    const link = notice.link ? `[${escapeMarkdown(notice.link.text)}](${notice.link.url})` : '';
    const items = (notice.items ?? []).map((item) => `${itemText(item.text, escapeMarkdown)} [Details](${item.url})`);
    const fixed = utf8Bytes(`## \n${link}\n${people}\n${items.join('\n')}`) + 16;
    const { title, lines } = fitTexts(notice, escapeMarkdown, WECOM_BOT_MARKDOWN_BYTES, fixed, utf8Bytes);
    const content = [`## ${title}`, ...lines, ...items, link, people].filter(Boolean).join('\n');
    return { url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'markdown', markdown: { content } }) };
  },

  fits(target: BotTarget, notice: BotNotice) {
    return utf8Bytes(JSON.parse(this.request(target, notice, 0).body).markdown.content) <= WECOM_BOT_MARKDOWN_BYTES;
  },

  classify(answer: BotAnswer, headers: Headers) {
    const json = answerJson(answer);
    if (answer.status !== 200 || !json) return byHttpStatus('wecom', answer, headers);
    const code = Number(json.errcode ?? 0);
    // 20 a minute: after a 45009 the minute has to pass.
    return code === 0 ? undefined : byCode('wecom', ERRORS, code, String(json.errmsg ?? ''), 60_000);
  },
};
