import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_EVENTS, TEMPLATE_KINDS, type TemplateEvent, type TemplateKind } from '../../domain/message-template.js';
import { findProjectRoot } from '../../lib/project-root.js';

/**
 * The built-in message templates, `cards/templates/<kind>/<event>.liquid`, read once at start: every kind has one for
 * every event (a missing file stops the start, not a page).
 */
export class BuiltInTemplates {
  private readonly sources = new Map<string, string>();

  constructor(root = join(findProjectRoot(), 'cards', 'templates')) {
    for (const kind of TEMPLATE_KINDS) {
      for (const event of TEMPLATE_EVENTS) this.sources.set(`${kind}/${event}`, readFileSync(join(root, kind, `${event}.liquid`), 'utf8'));
    }
  }

  source(kind: TemplateKind, event: TemplateEvent): string {
    return this.sources.get(`${kind}/${event}`)!;
  }
}
