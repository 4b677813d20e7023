import { capText, escapedWithin } from '../../rendering/text-caps.js';
import { SLACK_LIMITS } from './slack-limits.js';
import { escapeTagCharacters } from '../../lib/html-escape.js';

/** Slack's three control characters: escaping them also keeps alert text from forming <!channel> or <@U…> mentions. */
export const escapeMrkdwn = escapeTagCharacters;

/** A plain message (a notice, a DM, a command's answer) from untrusted text: escaped, and within Slack's limit. */
export function slackText(text: string): string {
  return escapedWithin(text, SLACK_LIMITS.messageText, escapeMrkdwn);
}

/** `text` after @mentions of the given user ids; a cut shortens the text, never a mention. */
export function slackNotice(userIds: string[], text: string): string {
  const tags = userIds.map((id) => `<@${id}>`).join(' ');
  const body = escapedWithin(text, SLACK_LIMITS.messageText, escapeMrkdwn);
  return capText(tags ? `${tags} ${body}` : body, SLACK_LIMITS.messageText);
}
