/** Reads the human text out of a Feishu card (JSON 1.0 or 2.0, plain or i18n) so it can become an alert. */
import { nestsDeeperThan } from '../../lib/json-depth.js';
import { FEISHU_MAX_JSON_DEPTH, tooDeep } from './feishu-protocol.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const LOCALES = ['zh_cn', 'en_us', 'ja_jp'];

function localized(container: Json, key: string): unknown {
  if (container[key] !== undefined) return container[key];
  const i18n = container[`i18n_${key}`];
  if (!isObject(i18n)) return undefined;
  for (const locale of LOCALES) if (i18n[locale] !== undefined) return i18n[locale];
  return Object.values(i18n)[0];
}

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (!isObject(node)) return undefined;
  if (typeof node.content === 'string' && node.content.trim() !== '') return node.content;
  const i18n = node.i18n ?? node.i18n_content;
  if (isObject(i18n)) {
    for (const locale of LOCALES) if (typeof i18n[locale] === 'string') return i18n[locale] as string;
  }
  return undefined;
}

/** Containers whose children hold text; buttons, images and form inputs carry none worth keeping. */
const CHILD_KEYS = ['elements', 'columns', 'fields', 'actions'];
const SKIPPED_TAGS = new Set(['button', 'img', 'image', 'select_static', 'overflow', 'date_picker', 'input', 'picker_time', 'picker_datetime']);

function collectText(element: unknown, out: string[]): void {
  if (Array.isArray(element)) {
    for (const child of element) collectText(child, out);
    return;
  }
  if (!isObject(element) || SKIPPED_TAGS.has(String(element.tag))) return;
  if (element.tag === 'hr') {
    out.push('---');
    return;
  }
  if (element.tag === 'markdown' || element.tag === 'lark_md' || element.tag === 'plain_text') {
    const text = textOf(element);
    if (text) out.push(text);
  } else if (element.text !== undefined) {
    const text = textOf(element.text);
    if (text) out.push(text);
  }
  if (element.tag === 'collapsible_panel' && isObject(element.header)) collectText(element.header.title, out);
  for (const key of CHILD_KEYS) if (element[key] !== undefined) collectText(element[key], out);
}

/** Throws a 9499 rejection for a card nested deeper than FEISHU_MAX_JSON_DEPTH: the walks below recurse. */
export function flattenCard(card: Json): { title?: string; content: string } {
  if (nestsDeeperThan(card, FEISHU_MAX_JSON_DEPTH)) throw tooDeep();
  if (card.type === 'template' && isObject(card.data)) {
    const variables = card.data.template_variable;
    return { content: isObject(variables) ? JSON.stringify(variables, null, 2) : '' };
  }
  const header = isObject(card.header) ? card.header : undefined;
  const title = header ? textOf(localized(header, 'title'))?.trim() : undefined;
  const body = isObject(card.body) ? card.body : card;
  const out: string[] = [];
  collectText(localized(body, 'elements'), out);
  return { title: title || undefined, content: out.join('\n').trim() };
}
