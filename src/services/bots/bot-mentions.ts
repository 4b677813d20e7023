import type { Member } from '../../db/entities/member.entity.js';
import type { WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { BotMention } from '../ports/webhook-bots.js';

/**
 * Whom a bot @mentions for these members. DingTalk mentions by mobile number, so a member with one is mentioned;
 * the other kinds need the member's user id on that IM, which comes from mapping tables (not built yet): until then
 * they — and anyone without a mobile on DingTalk — are named in plain text, never left out.
 */
export function botMentions(bot: Pick<WebhookBot, 'kind'>, members: Array<Pick<Member, 'name' | 'phone'>>): BotMention[] {
  return members.map((member) => (bot.kind === 'dingtalk' && member.phone ? { name: member.name, id: member.phone } : { name: member.name }));
}
