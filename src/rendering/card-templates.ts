import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from '../lib/project-root.js';

const cardsRoot = () => join(findProjectRoot(), 'cards');

const cache = new Map<string, unknown>();

export function loadCardTemplate(relativePath: string): unknown {
  let template = cache.get(relativePath);
  if (template === undefined) {
    template = JSON.parse(readFileSync(join(cardsRoot(), relativePath), 'utf8'));
    cache.set(relativePath, template);
  }
  return structuredClone(template);
}

export type TemplateValues = Record<string, string | number | boolean>;

/**
 * Replaces `{{name}}` inside the template's string values (never in raw JSON text, so values cannot break the
 * structure). A string that is exactly one placeholder takes the value's own type (number, boolean).
 */
export function fillTemplate<T>(template: T, values: TemplateValues): T {
  const fill = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = /^\{\{(\w+)\}\}$/.exec(node);
      if (whole && whole[1] in values) return values[whole[1]];
      return node.replace(/\{\{(\w+)\}\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
    }
    if (Array.isArray(node)) return node.map(fill);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)]));
    return node;
  };
  return fill(template) as T;
}
