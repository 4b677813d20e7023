import type { AlertLink, InboundMessage, MessageFormat } from '../../domain/integration-settings.js';
import { FEISHU_CODES, FEISHU_DEFAULT_TITLE, FEISHU_MSG_TYPE_NEEDED, FeishuRejection } from './feishu-protocol.js';
import { flattenCard } from './feishu-card.flattener.js';
import { feishuCardLinks } from './feishu-card.links.js';
import { keepAlertLinks } from '../../domain/alert-links.js';

type Json = Record<string, unknown>;

const LOCALE_PREFERENCE = ['zh_cn', 'en_us', 'ja_jp'];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function badRequest(detail: string): FeishuRejection {
  return new FeishuRejection(FEISHU_CODES.badRequest, `Bad Request: ${detail}`);
}

/** Turns `<at user_id="ou_x">Name</at>` into `@Name` (`@all` for everyone). */
function readableMentions(text: string): string {
  return text.replace(/<at\s+user_id\s*=\s*["']?([^"'>\s]+)["']?\s*>(.*?)<\/at>/gis, (_, userId: string, name: string) =>
    userId === 'all' ? '@all' : `@${name.trim() || userId}`,
  );
}

function textMessage(content: unknown): InboundMessage {
  if (!isObject(content) || typeof content.text !== 'string') throw badRequest('content.text must be a string');
  return { title: FEISHU_DEFAULT_TITLE, content: readableMentions(content.text) };
}

function pickLocaleBlock(post: Json): Json | undefined {
  if (Array.isArray(post.content)) return post;
  for (const locale of LOCALE_PREFERENCE) if (isObject(post[locale])) return post[locale] as Json;
  return Object.values(post).find(isObject);
}

function postTag(tag: Json, format: MessageFormat): string {
  const text = typeof tag.text === 'string' ? tag.text : '';
  switch (tag.tag) {
    case 'text':
    case 'md':
      return text;
    case 'a': {
      const href = typeof tag.href === 'string' ? tag.href : '';
      if (!href) return text;
      return format === 'markdown' ? `[${text || href}](${href})` : text ? `${text} (${href})` : href;
    }
    case 'at': {
      const userId = String(tag.user_id ?? '');
      if (userId === 'all') return '@all';
      return `@${typeof tag.user_name === 'string' && tag.user_name ? tag.user_name : userId}`;
    }
    case 'img':
      return '[image]';
    case 'media':
      return '[media]';
    case 'emotion':
      return typeof tag.emoji_type === 'string' ? `:${tag.emoji_type}:` : '';
    case 'hr':
      return format === 'markdown' ? '\n---\n' : '\n';
    case 'code_block':
      return format === 'markdown' ? `\n\`\`\`${typeof tag.language === 'string' ? tag.language.toLowerCase() : ''}\n${text}\n\`\`\`\n` : text;
    default:
      return text;
  }
}

function postMessage(content: unknown, format: MessageFormat): InboundMessage {
  if (!isObject(content) || !isObject(content.post)) throw badRequest('content.post must be an object');
  const block = pickLocaleBlock(content.post);
  if (!block) throw badRequest('content.post needs at least one locale block, e.g. zh_cn or en_us');
  const paragraphs = block.content ?? [];
  if (!Array.isArray(paragraphs)) throw badRequest('post content must be an array of paragraphs');
  const lines = paragraphs.map((paragraph) =>
    Array.isArray(paragraph) ? paragraph.filter(isObject).map((tag) => postTag(tag, format)).join('') : '',
  );
  const title = typeof block.title === 'string' && block.title.trim() ? block.title.trim() : FEISHU_DEFAULT_TITLE;
  const anchors = paragraphs
    .flatMap((paragraph) => (Array.isArray(paragraph) ? paragraph.filter(isObject) : []))
    .filter((tag) => tag.tag === 'a' && typeof tag.href === 'string')
    .map((tag) => ({ text: typeof tag.text === 'string' ? tag.text : undefined, url: tag.href as string }));
  return withLinks({ title, content: lines.join('\n').trim() }, keepAlertLinks(anchors));
}

/** Links only when there are some: most alerts carry none. */
function withLinks(message: InboundMessage, links: AlertLink[]): InboundMessage {
  return links.length ? { ...message, links } : message;
}

/** An interactive message's card: `card` or `content.card` (or `content` itself), as an object or a JSON string. */
export function interactiveCardOf(body: Json): Json {
  let card: unknown = body.card ?? (isObject(body.content) ? body.content.card ?? body.content : undefined);
  if (typeof card === 'string') {
    try {
      card = JSON.parse(card);
    } catch {
      throw badRequest('card is a string but not valid JSON');
    }
  }
  if (!isObject(card)) throw badRequest('interactive messages need a card object');
  return card;
}

function interactiveMessage(body: Json): InboundMessage {
  const card = interactiveCardOf(body);
  const flattened = flattenCard(card);
  return withLinks({ title: flattened.title ?? FEISHU_DEFAULT_TITLE, content: flattened.content }, feishuCardLinks(card));
}

/** The v2 custom-bot body: text, post or interactive. */
export function parseFeishuMessage(body: unknown, format: MessageFormat): InboundMessage {
  if (!isObject(body)) throw badRequest('the body must be a JSON object');
  const msgType = body.msg_type;
  if (msgType === undefined || msgType === null || msgType === '') throw new FeishuRejection(FEISHU_CODES.msgTypeInvalid, FEISHU_MSG_TYPE_NEEDED);
  if (typeof msgType !== 'string') throw badRequest('msg_type must be a string');
  switch (msgType) {
    case 'text':
      return textMessage(body.content);
    case 'post':
      return postMessage(body.content, format);
    case 'interactive':
      return interactiveMessage(body);
    default:
      throw new FeishuRejection(
        FEISHU_CODES.msgTypeInvalid,
        `param invalid: msg_type "${msgType.slice(0, 40)}" cannot carry an alert; send text, post or interactive`,
      );
  }
}

/** The legacy v1 hook body: `{"title","text"}`. */
export function parseLegacyFeishuMessage(body: unknown): InboundMessage {
  if (!isObject(body)) throw badRequest('the body must be a JSON object');
  if (typeof body.text !== 'string') throw badRequest('text must be a string');
  const title = typeof body.title === 'string' && body.title.trim() ? body.title.trim() : FEISHU_DEFAULT_TITLE;
  return { title, content: readableMentions(body.text) };
}
