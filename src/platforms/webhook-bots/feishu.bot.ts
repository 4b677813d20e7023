import { createHmac } from 'node:crypto';
import type { BotAnswer, BotKind, BotNotice, BotTarget } from './bot-kind.js';
import { answerJson, byCode, byHttpStatus } from './bot-answers.js';
import { fitTexts, itemText, jsonBytes } from './bot-text.js';
import type { PlatformErrorKind } from '../../services/ports/platform-error.js';

/** The request body may not exceed 20 KB; what the texts may use leaves room for the rest of the post. */
export const FEISHU_BOT_BODY_BYTES = 20 * 1024;
const ENVELOPE_BYTES = 1024;

const ERRORS: Record<number, PlatformErrorKind> = {
  9499: 'bad_request',
  11232: 'rate_limited',
  19001: 'target_gone',
  19002: 'bad_request',
  19021: 'auth',
  19022: 'permission_denied',
  19024: 'bad_request',
};

/** `base64(HMAC_SHA256(key = timestamp + "\n" + secret, message = ""))`, timestamp in seconds. */
export function feishuBotSign(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/**
 * Feishu / Lark custom bot: a `post` message (title, text paragraphs, a link, `at` tags). Text tags are shown as
 * written (no markup), so alert text needs no escaping, only to stay on its lines; a mention exists only as an `at`
 * tag we add. The keyword is checked on text values, so it is added as a text paragraph when missing.
 */
export const feishuBot: BotKind = {
  name: 'feishu',
  // Feishu allows 5 a second and 100 a minute per bot, counted when requests arrive: a margin under both keeps a
  // request that travelled slower than the next from pushing one window over.
  pacing: { perSecond: { rate: 4, burst: 1 }, perMinute: { rate: 85 / 60, burst: 10 } },
  needs: {},
  keyword: true,
  digestItems: 30,
  // Post text tags show text as written: nothing to escape.
  markup: { name: 'Feishu post text', escape: (text) => text, room: 16_000, cost: jsonBytes },

  request(target: BotTarget, notice: BotNotice, now: number) {
    const mentioned = notice.mentions.filter((mention) => mention.id);
    const named = notice.mentions.filter((mention) => !mention.id).map((mention) => `@${mention.name}`);
    const items = (notice.items ?? []).map((item) => [
      { tag: 'text', text: `${itemText(item.text, (text) => text)} ` },
      { tag: 'a', text: 'Details', href: item.url },
    ]);
    const fixed = jsonBytes(JSON.stringify([mentioned, named, notice.link, target.keyword ?? '', items])) + ENVELOPE_BYTES;
    const { title, lines } = fitTexts(notice, (text) => text, FEISHU_BOT_BODY_BYTES, fixed, jsonBytes);
    const content: unknown[][] = lines.map((line) => [{ tag: 'text', text: line }]);
    content.push(...items);
    if (notice.link) content.push([{ tag: 'a', text: notice.link.text, href: notice.link.url }]);
    const people = [
      ...mentioned.map((mention) => ({ tag: 'at', user_id: mention.id })),
      ...(named.length ? [{ tag: 'text', text: ` ${named.join(' ')}` }] : []),
    ];
    if (people.length) content.push(people);
    if (target.keyword && !title.includes(target.keyword) && !lines.some((line) => line.includes(target.keyword!))) content.push([{ tag: 'text', text: target.keyword }]);
    const body: Record<string, unknown> = { msg_type: 'post', content: { post: { zh_cn: { title, content } } } };
    if (target.secret) {
      const timestamp = Math.floor(now / 1000);
      body.timestamp = String(timestamp);
      body.sign = feishuBotSign(target.secret, timestamp);
    }
    return { url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },

  fits(target: BotTarget, notice: BotNotice) {
    return Buffer.byteLength(this.request(target, notice, 0).body) <= FEISHU_BOT_BODY_BYTES;
  },

  classify(answer: BotAnswer, headers: Headers) {
    const json = answerJson(answer);
    if (answer.status !== 200 || !json) return byHttpStatus('feishu', answer, headers);
    const code = Number(json.code ?? json.StatusCode ?? 0);
    if (code === 0) return undefined;
    // Feishu gives no time to come back after 11232; the per-minute window is the longest it can be.
    return byCode('feishu', ERRORS, code, json.msg ?? json.StatusMessage ?? '', 10_000);
  },
};
