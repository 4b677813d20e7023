/**
 * `&`, `<` and `>` as entities: what text between tags needs, in HTML and in the IMs' markups that borrow its syntax
 * (Slack mrkdwn, Feishu card markdown, Telegram HTML), where they would start a tag, a mention or an entity.
 */
export function escapeTagCharacters(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text shown as written inside HTML, in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return escapeTagCharacters(text).replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
