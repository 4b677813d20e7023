import type { Database } from '../../db/database.js';
import { MessageTemplateEntity, type MessageTemplate } from '../../db/entities/message-template.entity.js';
import type { TemplateEvent, TemplateKind } from '../../domain/message-template.js';
import type { KeyedHolds } from '../../lib/holds.js';
import type { Logger } from '../../lib/logger.js';
import type { BuiltInTemplates } from './built-in-templates.js';
import { splitMessage, type RenderedMessage, type TemplateMarkup } from './template-markups.js';
import { TemplateRenderError, type TemplatePosition, type TemplateSandbox } from './template-sandbox.js';
import { trustedValues, type TemplateVariables } from './template-variables.js';

export interface TemplateFailure extends TemplatePosition {
  message: string;
}

export interface RenderOutcome extends RenderedMessage {
  /** Which template made the message: the channel's own, or the built-in one (none of its own, or its own failed). */
  from: 'channel' | 'built-in';
  /** Why the channel's template was not used. */
  error?: TemplateFailure;
}

/** Versions of failing templates already logged are forgotten past this many (a log line again, nothing worse). */
const LOGGED_KEPT = 10_000;
/** How long a template stopped by a limit is skipped: a storm pays its cost once, a chance hit (a busy machine) heals. */
export const BENCHED_MS = 5 * 60_000;

export function failureOf(error: unknown): TemplateFailure {
  const { line, column } = error as TemplatePosition;
  return { message: error instanceof Error ? error.message : String(error), ...(line ? { line } : {}), ...(column ? { column } : {}) };
}

/**
 * Renders messages from a channel's own template for the destination kind and event, or the built-in one. A channel's
 * template that fails — an error, a limit, output its destination would refuse — is replaced by the built-in one for
 * that message, so a bad template never loses a notification; the failure is logged once per template version, and a
 * template stopped by a limit is skipped for BENCHED_MS — by every instance when Redis is configured (`skips`, holds
 * of the pacing: with Redis they are shared, while Redis is away or without it they are this process').
 */
export class MessageTemplateRenderer {
  private readonly logged = new Set<string>();

  constructor(
    private readonly db: Database,
    private readonly sandbox: TemplateSandbox,
    private readonly builtIns: BuiltInTemplates,
    private readonly markups: Record<TemplateKind, TemplateMarkup>,
    private readonly logger: Logger,
    /** Template versions stopped by a limit, skipped (the built-in one used) while held; the note is the failure. */
    private readonly skips: KeyedHolds,
  ) {}

  markup(kind: TemplateKind): TemplateMarkup {
    return this.markups[kind];
  }

  async render(channelId: number, kind: TemplateKind, event: TemplateEvent, variables: TemplateVariables): Promise<RenderOutcome> {
    const own = await this.db.manager.findOneBy(MessageTemplateEntity, { channelId, kind, event });
    if (!own) return { ...this.renderBuiltIn(kind, event, variables), from: 'built-in' };
    const version = versionOf(own);
    const benched = await this.skipped(own);
    if (benched) return { ...this.renderBuiltIn(kind, event, variables), from: 'built-in', error: benched.error };
    try {
      return { ...this.renderSource(own.source, kind, variables), from: 'channel' };
    } catch (error) {
      const failure = failureOf(error);
      this.logOnce(version, own, failure);
      // A runaway template would cost its limit on every message of a storm: it sits out a while instead.
      if (error instanceof TemplateRenderError && error.overLimit) await this.skips.hold(version, BENCHED_MS, JSON.stringify(failure));
      return { ...this.renderBuiltIn(kind, event, variables), from: 'built-in', error: failure };
    }
  }

  /** Whether the template is skipped for now (stopped by a limit, on any instance with Redis), until when and why. */
  async skipped(template: Pick<MessageTemplate, 'id' | 'updatedAt'>): Promise<{ until: Date; error: TemplateFailure } | undefined> {
    const held = await this.skips.find(versionOf(template));
    return held ? { until: new Date(Date.now() + held.leftMs), error: failureFromNote(held.note) } : undefined;
  }

  /** `source` rendered for `kind` and checked against what the kind takes; throws what went wrong. */
  renderSource(source: string, kind: TemplateKind, variables: TemplateVariables): RenderedMessage {
    const markup = this.markups[kind];
    const message = splitMessage(this.sandbox.render(source, variables as unknown as Record<string, unknown>, { escape: markup.escape, trusted: trustedValues(variables) }), markup.titled);
    const refused = markup.check(message);
    if (refused) throw new TemplateRenderError(refused);
    return message;
  }

  renderBuiltIn(kind: TemplateKind, event: TemplateEvent, variables: TemplateVariables): RenderedMessage {
    return this.renderSource(this.builtIns.source(kind, event), kind, variables);
  }

  private logOnce(version: string, template: MessageTemplate, failure: TemplateFailure): void {
    if (this.logged.has(version)) return;
    if (this.logged.size >= LOGGED_KEPT) this.logged.clear();
    this.logged.add(version);
    // The failure's message only: never the variables (alert text) or the source.
    this.logger.warn({ templateId: template.id, channelId: template.channelId, kind: template.kind, event: template.event, error: failure }, 'message template failed; the built-in one is used');
  }
}

function versionOf(template: Pick<MessageTemplate, 'id' | 'updatedAt'>): string {
  return `${template.id}:${template.updatedAt.getTime()}`;
}

/** The failure a skip was noted with (by render; a note that does not read as one still says a limit stopped it). */
function failureFromNote(note: string | undefined): TemplateFailure {
  try {
    const { message, line, column } = JSON.parse(note ?? '') as Partial<TemplateFailure>;
    if (typeof message === 'string') return { message, ...(typeof line === 'number' ? { line } : {}), ...(typeof column === 'number' ? { column } : {}) };
  } catch {
    // not JSON: the generic failure below
  }
  return { message: 'the template went over a limit' };
}
