/** The links a Feishu card carries besides its text: buttons ("Open in Grafana"), overflow options, the card link. */
import { keepAlertLinks } from '../../domain/alert-links.js';
import type { AlertLink } from '../../domain/integration-settings.js';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const LOCALES = ['en_us', 'zh_cn', 'ja_jp'];

function labelOf(node: Json): string | undefined {
  const text = node.text;
  if (typeof text === 'string') return text;
  if (!isObject(text)) return undefined;
  if (typeof text.content === 'string') return text.content;
  const i18n = text.i18n ?? text.i18n_content;
  if (isObject(i18n)) for (const locale of LOCALES) if (typeof i18n[locale] === 'string') return i18n[locale] as string;
  return undefined;
}

/** Where a node sends a click: `url`, `multi_url.url` (JSON 1.0) or an `open_url` behavior (JSON 2.0). */
function targetsOf(node: Json): string[] {
  const urls: string[] = [];
  if (typeof node.url === 'string') urls.push(node.url);
  if (isObject(node.multi_url) && typeof node.multi_url.url === 'string') urls.push(node.multi_url.url);
  if (typeof node.default_url === 'string') urls.push(node.default_url);
  if (Array.isArray(node.behaviors)) {
    for (const behavior of node.behaviors) {
      if (isObject(behavior) && behavior.type === 'open_url' && typeof behavior.default_url === 'string') urls.push(behavior.default_url);
    }
  }
  return urls;
}

function collect(node: unknown, out: Array<{ text?: string; url: string }>, label?: string): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, out, label);
    return;
  }
  if (!isObject(node)) return;
  const text = labelOf(node) ?? label;
  for (const url of targetsOf(node)) out.push({ text, url });
  for (const [key, child] of Object.entries(node)) {
    // The targets were read above; a markdown element's `href` map names its links' targets by variable.
    if (key === 'multi_url' || key === 'behaviors' || key === 'text') continue;
    if (key === 'href' && isObject(child)) {
      for (const [name, target] of Object.entries(child)) if (isObject(target)) collect(target, out, name);
      continue;
    }
    if (typeof child === 'object') collect(child, out);
  }
}

/** Safe (http, https, mailto) links of the card, each once; the card's own link is named "Open". */
export function feishuCardLinks(card: Json): AlertLink[] {
  const found: Array<{ text?: string; url: string }> = [];
  collect(card, found);
  return keepAlertLinks(found.map((link) => (link.text === undefined ? { ...link, text: 'Open' } : link)));
}
