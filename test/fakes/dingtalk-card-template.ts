/**
 * How a DingTalk client shows a card made from our template (cards/dingtalk/incident-card.json): `${name}` filled
 * from the card's variables, an element with `visible` shown when its variable is "true" or, for a non-boolean
 * variable, not empty; buttons with a callback action carry their params filled the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from '../../src/lib/project-root.js';

type Node = Record<string, any>;

export interface ShownButton {
  id: string;
  text: string;
  /** For a callback button: its actionId and params as DingTalk sends them back in cardPrivateData. */
  callback?: { actionId: string; params: Record<string, string> };
  url?: string;
}

let template: Node | undefined;

export function dingtalkCardTemplate(): Node {
  template ??= JSON.parse(readFileSync(join(findProjectRoot(), 'cards/dingtalk/incident-card.json'), 'utf8')) as Node;
  return template;
}

const fill = (text: string, params: Record<string, string>) => text.replace(/\$\{(\w+)\}/g, (_, name: string) => params[name] ?? '');

function visible(node: Node, params: Record<string, string>): boolean {
  if (node.visible === undefined) return true;
  const value = fill(String(node.visible), params);
  return value !== '' && value !== 'false';
}

/** The buttons shown on a card with these variables, in order. */
export function shownButtons(params: Record<string, string>): ShownButton[] {
  const actions = (dingtalkCardTemplate().layout.contents as Node[]).find((node) => node.type === 'actions');
  return ((actions?.buttons ?? []) as Node[])
    .filter((button) => visible(button, params))
    .map((button) => {
      const shown: ShownButton = { id: button.id, text: button.text };
      if (button.action.type === 'callback') {
        shown.callback = {
          actionId: button.action.actionId,
          params: Object.fromEntries(Object.entries(button.action.params as Record<string, string>).map(([key, value]) => [key, fill(value, params)])),
        };
      } else shown.url = fill(button.action.url, params);
      return shown;
    });
}

/** Everything the card says (header, tags, shown contents; not the buttons), as text. */
export function shownText(params: Record<string, string>, privateParams: Record<string, string> = {}): string {
  const all = { ...params, ...privateParams };
  const layout = dingtalkCardTemplate().layout;
  const lines = [fill(layout.header.title.text, all), fill(layout.header.subtitle.text, all), ...(layout.header.tags as Node[]).map((tag) => fill(tag.text, all))];
  const walk = (node: Node) => {
    if (!visible(node, all)) return;
    if (typeof node.text === 'string' && node.type !== 'actions') lines.push(fill(node.text, all));
    for (const column of (node.columns ?? []) as Node[]) walk(column);
  };
  for (const node of layout.contents as Node[]) if (node.type !== 'actions') walk(node);
  return lines.filter(Boolean).join('\n');
}

/** The template's variable names: what a card's cardParamMap may hold. */
export function templateVariables(): string[] {
  return (dingtalkCardTemplate().variables as Node[]).map((variable) => variable.name as string);
}
