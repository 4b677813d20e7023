import type { Member } from '../../db/entities/member.entity.js';
import type { WebhookBot } from '../../db/entities/webhook-bot.entity.js';
import type { BotMention } from '../ports/webhook-bots.js';

/**
 * Whom a bot @mentions for these members: the user id its mapping table gives for the member's email; on DingTalk,
 * without a table entry, the member's mobile number. Anyone else is named in plain text, never left out.
 */
export function botMentions(bot: Pick<WebhookBot, 'kind'>, members: Array<Pick<Member, 'name' | 'phone' | 'email'>>, mapped: Map<string, string> = new Map()): BotMention[] {
  return members.map((member) => {
    const id = member.email ? mapped.get(member.email.toLowerCase()) : undefined;
    if (id) return { name: member.name, id };
    if (bot.kind === 'dingtalk' && member.phone) return { name: member.name, id: member.phone };
    return { name: member.name };
  });
}
