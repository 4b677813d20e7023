import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectRoot } from '../lib/project-root.js';

const cardsRoot = () => join(findProjectRoot(), 'cards');

const loaded = new Map<string, unknown>();

/** The parsed template, read once per process and frozen: fill it with `fillTemplate`, never edit it. */
export function loadCardTemplate(relativePath: string): unknown {
  let template = loaded.get(relativePath);
  if (template === undefined) {
    template = deepFreeze(JSON.parse(readFileSync(join(cardsRoot(), relativePath), 'utf8')));
    loaded.set(relativePath, template);
  }
  return template;
}

export type TemplateValues = Record<string, string | number | boolean>;

type Filler = (values: TemplateValues) => unknown;

const prepared = new WeakMap<object, Filler>();

/**
 * Replaces `{{name}}` inside the template's string values (never in raw JSON text, so values cannot break the
 * structure). A string that is exactly one placeholder takes the value's own type (number, boolean). The result is
 * a fresh object the caller may change. A template object is analysed once; later fills only assemble.
 */
export function fillTemplate<T>(template: T, values: TemplateValues): T {
  if (template === null || typeof template !== 'object') return prepare(template)(values) as T;
  let filler = prepared.get(template);
  if (!filler) {
    filler = prepare(template);
    prepared.set(template, filler);
  }
  return filler(values) as T;
}

function prepare(node: unknown): Filler {
  if (typeof node === 'string') return prepareString(node);
  if (Array.isArray(node)) {
    const items = node.map(prepare);
    return (values) => items.map((item) => item(values));
  }
  if (node && typeof node === 'object') {
    const entries = Object.entries(node).map(([key, value]) => [key, prepare(value)] as const);
    return (values) => Object.fromEntries(entries.map(([key, item]) => [key, item(values)]));
  }
  return () => node;
}

function prepareString(text: string): Filler {
  const whole = /^\{\{(\w+)\}\}$/.exec(text)?.[1];
  // Split keeps the captured names at odd indexes: ["text ", "name", " more"].
  const parts = text.split(/\{\{(\w+)\}\}/);
  if (parts.length === 1) return () => text;
  return (values) => {
    if (whole !== undefined && whole in values) return values[whole];
    let out = parts[0];
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i];
      out += (name in values ? String(values[name]) : `{{${name}}}`) + parts[i + 1];
    }
    return out;
  };
}

function deepFreeze<T>(node: T): T {
  if (node && typeof node === 'object') {
    for (const value of Object.values(node)) deepFreeze(value);
    Object.freeze(node);
  }
  return node;
}
