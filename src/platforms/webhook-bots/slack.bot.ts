import { capText } from '../../rendering/text-caps.js';
import { PlatformError } from '../../services/ports/platform-error.js';
import type { BotAnswer, BotKind, BotNotice, BotTarget } from './bot-kind.js';
import { byHttpStatus } from './bot-answers.js';
import { fitTexts, itemText, utf16 } from './bot-text.js';
import { escapeTagCharacters } from '../../lib/html-escape.js';

/** A section's text may be 3000 characters; the top-level text (the notification) 40,000. */
export const SLACK_BOT_SECTION_CHARS = 3000;

/** Slack's three control characters: escaped, alert text can't form <!channel> or <@U…> mentions or links. */
export const escapeSlackBotText = escapeTagCharacters;

/** Slack incoming webhook: one mrkdwn section (title in bold, lines, link, `<@U…>` mentions) and a plain fallback. */
export const slackBot: BotKind = {
  name: 'slack',
  // About one message a second per webhook, with short bursts: a burst of 2 keeps any second at 3 at most.
  pacing: { perSecond: { rate: 1, burst: 2 } },
  needs: {},
  keyword: false,
  digestItems: 20,
  markup: { name: 'Slack mrkdwn', escape: escapeSlackBotText, room: 2_200, cost: utf16 },

  request(target: BotTarget, notice: BotNotice) {
    const people = notice.mentions.map((mention) => (mention.id && /^[UW][A-Z0-9]+$/.test(mention.id) ? `<@${mention.id}>` : `@${escapeSlackBotText(mention.name)}`)).join(' ');
    const link = notice.link ? `<${notice.link.url}|${escapeSlackBotText(notice.link.text)}>` : '';
    const items = (notice.items ?? []).map((item) => `• ${itemText(item.text, escapeSlackBotText)} <${item.url}|Details>`);
    const fixed = `**\n${link}\n${people}\n${items.join('\n')}`.length + 8;
    const { title, lines } = fitTexts(notice, escapeSlackBotText, SLACK_BOT_SECTION_CHARS, fixed, utf16);
    const text = [`*${title}*`, ...lines, ...items, link, people].filter(Boolean).join('\n');
    const fallback = capText([people, title].filter(Boolean).join(' '), 40_000);
    const body = { text: fallback, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
    return { url: target.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  },

  fits(target: BotTarget, notice: BotNotice) {
    return JSON.parse(this.request(target, notice, 0).body).blocks[0].text.text.length <= SLACK_BOT_SECTION_CHARS;
  },

  classify(answer: BotAnswer, headers: Headers) {
    if (answer.status === 200) return undefined;
    const error = answer.body.trim().slice(0, 100);
    // A webhook removed, its channel archived or its token revoked does not come back.
    if (['no_service', 'channel_not_found', 'channel_is_archived', 'invalid_token', 'no_team'].includes(error)) return new PlatformError('bot:slack', 'target_gone', error, `slack bot: ${answer.status} ${error}`);
    return byHttpStatus('slack', answer, headers, error || answer.status);
  },
};
