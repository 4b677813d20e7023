import { flattenCard } from './feishu-card.flattener.js';
import { interactiveCardOf } from './feishu-message.parser.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const strings = (...values: unknown[]) => values.filter((value): value is string => typeof value === 'string');

function postTexts(post: Json): string[] {
  const blocks = Array.isArray(post.content) ? [post] : Object.values(post).filter(isObject);
  return blocks.flatMap((block) => [
    ...strings(block.title),
    ...(Array.isArray(block.content) ? block.content.flat().filter(isObject).flatMap((tag) => strings(tag.text)) : []),
  ]);
}

function cardTexts(body: Json): string[] {
  const { title, content } = flattenCard(interactiveCardOf(body));
  return strings(title, content);
}

/**
 * What Feishu checks a custom bot's keywords against: the text values the sender wrote (text, titles), never the
 * "Feishu Alert" title we give untitled messages nor the targets of links. Called on a body that parsed (so its
 * card, if any, is there).
 */
export function feishuKeywordText(body: unknown, version: 'v1' | 'v2'): string {
  if (!isObject(body)) return '';
  if (version === 'v1') return strings(body.title, body.text).join('\n');
  const content = isObject(body.content) ? body.content : {};
  switch (body.msg_type) {
    case 'text':
      return strings(content.text).join('\n');
    case 'post':
      return isObject(content.post) ? postTexts(content.post).join('\n') : '';
    case 'interactive':
      return cardTexts(body).join('\n');
    default:
      return '';
  }
}
