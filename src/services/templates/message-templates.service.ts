import { isUniqueViolation, type Database } from '../../db/database.js';
import { ChannelEntity } from '../../db/entities/channel.entity.js';
import { IncidentEntity } from '../../db/entities/incident.entity.js';
import { MessageTemplateEntity, type MessageTemplate } from '../../db/entities/message-template.entity.js';
import { WebhookBotEntity } from '../../db/entities/webhook-bot.entity.js';
import type { BotEvent, BotKindName } from '../../domain/bot-kind-name.js';
import { TEMPLATE_EVENTS, TEMPLATE_KINDS, type TemplateEvent, type TemplateKind } from '../../domain/message-template.js';
import { AppError } from '../../lib/errors.js';
import type { BotKeywordCheck } from '../bots/webhook-bot.service.js';
import type { BuiltInTemplates } from './built-in-templates.js';
import { failureOf, type MessageTemplateRenderer, type TemplateFailure } from './message-template-renderer.js';
import type { TemplateContexts } from './template-contexts.js';
import { TemplateSyntaxError, type TemplateSandbox } from './template-sandbox.js';
import type { TemplateVariables } from './template-variables.js';

const UNIQUE = { name: 'uq_message_templates_channel_kind_event', columns: 'message_templates.channel_id' };

/** A kind and event's template as a channel uses it: its own, or the built-in one. */
export interface EffectiveTemplate {
  channelId: number;
  kind: TemplateKind;
  event: TemplateEvent;
  source: string;
  overridden: boolean;
  updatedAt: Date | null;
  /** The channel's template stopped by a limit: this instance sends the built-in one instead until `until`. */
  skipped: { until: Date; error: TemplateFailure } | null;
}

export interface TemplateSaved {
  template: MessageTemplate;
  created: boolean;
  /** The template parses, but rendering it with the sample incident failed: it would fall back to the built-in one. */
  warnings: string[];
}

export interface PreviewInput {
  event: TemplateEvent;
  /** One kind, or every kind. */
  kind?: TemplateKind;
  /** An unsaved source to try (needs `kind`); else the channel's templates as they are. */
  source?: string;
  /** A real incident of the channel; else the sample one. */
  incidentId?: number;
}

export interface PreviewResult {
  kind: TemplateKind;
  event: TemplateEvent;
  /** Where the shown message comes from: the given source, the channel's template, or the built-in one. */
  from: 'given' | 'channel' | 'built-in';
  title: string;
  body: string;
  /** Why the given or the channel's template failed: the message shown is then the built-in one, as it would be sent. */
  error: TemplateFailure | null;
}

/** The bot events that use a template, besides a bot's subscriptions: every bot can be paged and tested. */
const ALWAYS_USED: TemplateEvent[] = ['page', 'test'];

/** A syntax error as the admin API's 400, naming the line. */
function refusedSource(error: TemplateSyntaxError): AppError {
  const where = error.line ? `line ${error.line}${error.column ? `, column ${error.column}` : ''}: ` : '';
  return new AppError('validation', `source: ${where}${error.message}`, { line: error.line ?? null, column: error.column ?? null });
}

/**
 * A channel's own message templates through the admin API: saved only when they parse, previewed against the sample
 * or a real incident, and checked against the keyword of the channel's Feishu / DingTalk bots that will use them.
 */
export class MessageTemplateService implements BotKeywordCheck {
  constructor(
    private readonly db: Database,
    private readonly sandbox: TemplateSandbox,
    private readonly renderer: MessageTemplateRenderer,
    private readonly contexts: TemplateContexts,
    private readonly builtIns: BuiltInTemplates,
  ) {}

  async list(channelId: number): Promise<MessageTemplate[]> {
    await this.channel(channelId);
    return this.db.manager.find(MessageTemplateEntity, { where: { channelId }, order: { kind: 'ASC', event: 'ASC' } });
  }

  async get(channelId: number, kind: TemplateKind, event: TemplateEvent): Promise<EffectiveTemplate> {
    await this.channel(channelId);
    const own = await this.db.manager.findOneBy(MessageTemplateEntity, { channelId, kind, event });
    return own
      ? { channelId, kind, event, source: own.source, overridden: true, updatedAt: own.updatedAt, skipped: (await this.renderer.skipped(own)) ?? null }
      : { channelId, kind, event, source: this.builtIns.source(kind, event), overridden: false, updatedAt: null, skipped: null };
  }

  /** Every built-in template, with the markup its kind writes (a start for a channel's own). */
  defaults(): Array<{ kind: TemplateKind; event: TemplateEvent; markup: string; source: string }> {
    return TEMPLATE_KINDS.flatMap((kind) => TEMPLATE_EVENTS.map((event) => ({ kind, event, markup: this.renderer.markup(kind).name, source: this.builtIns.source(kind, event) })));
  }

  async save(channelId: number, kind: TemplateKind, event: TemplateEvent, source: string): Promise<TemplateSaved> {
    await this.channel(channelId);
    try {
      this.sandbox.parse(source);
    } catch (error) {
      if (error instanceof TemplateSyntaxError) throw refusedSource(error);
      throw error;
    }
    const sample = await this.contexts.sample(channelId, event);
    const warnings: string[] = [];
    try {
      this.renderer.renderSource(source, kind, sample);
    } catch (error) {
      const failure = failureOf(error);
      warnings.push(`with the sample incident: ${failure.line ? `line ${failure.line}: ` : ''}${failure.message} (the built-in template would be sent instead)`);
    }
    await this.checkKeywordOfBots(channelId, kind, event, source, sample);
    const now = new Date();
    const existing = await this.db.manager.findOneBy(MessageTemplateEntity, { channelId, kind, event });
    if (existing) {
      await this.db.manager.update(MessageTemplateEntity, existing.id, { source, updatedAt: now });
      return { template: (await this.db.manager.findOneBy(MessageTemplateEntity, { id: existing.id }))!, created: false, warnings };
    }
    try {
      const inserted = await this.db.manager.insert(MessageTemplateEntity, { channelId, kind, event, source, createdAt: now, updatedAt: now });
      return { template: (await this.db.manager.findOneBy(MessageTemplateEntity, { id: Number(inserted.identifiers[0].id) }))!, created: true, warnings };
    } catch (error) {
      // Saved by another request meanwhile: the later save wins, as it would have one moment later.
      if (!isUniqueViolation(error, UNIQUE) && !isUniqueViolation(error)) throw error;
      await this.db.manager.update(MessageTemplateEntity, { channelId, kind, event }, { source, updatedAt: now });
      return { template: (await this.db.manager.findOneBy(MessageTemplateEntity, { channelId, kind, event }))!, created: false, warnings };
    }
  }

  /** Back to the built-in template. */
  async remove(channelId: number, kind: TemplateKind, event: TemplateEvent): Promise<void> {
    await this.channel(channelId);
    const result = await this.db.manager.delete(MessageTemplateEntity, { channelId, kind, event });
    if (!result.affected) throw new AppError('not_found', `channel ${channelId} has no ${kind} template for ${event}`);
  }

  async preview(channelId: number, input: PreviewInput): Promise<PreviewResult[]> {
    if (input.source !== undefined && !input.kind) throw new AppError('validation', 'kind: needed to preview a source');
    const variables = await this.previewVariables(channelId, input);
    const kinds = input.kind ? [input.kind] : [...TEMPLATE_KINDS];
    return Promise.all(
      kinds.map(async (kind): Promise<PreviewResult> => {
        if (input.source === undefined) {
          const outcome = await this.renderer.render(channelId, kind, input.event, variables);
          return { kind, event: input.event, from: outcome.from, title: outcome.title, body: outcome.body, error: outcome.error ?? null };
        }
        try {
          return { kind, event: input.event, from: 'given', ...this.renderer.renderSource(input.source, kind, variables), error: null };
        } catch (error) {
          return { kind, event: input.event, from: 'built-in', ...this.renderer.renderBuiltIn(kind, input.event, variables), error: failureOf(error) };
        }
      }),
    );
  }

  /**
   * A Feishu / DingTalk bot with a keyword refuses messages without it: each of the channel's own templates the bot
   * will use (its events, pages and tests) must write it, rendered with the sample incident. The built-in templates
   * need not: the bot kind adds the keyword as a last line to a message that lacks it.
   */
  async checkBotKeyword(channelId: number, kind: BotKindName, keyword: string | null | undefined, events: BotEvent[]): Promise<void> {
    if (!keyword) return;
    const used = [...events, ...ALWAYS_USED];
    const own = (await this.db.manager.findBy(MessageTemplateEntity, { channelId, kind })).filter((template) => used.includes(template.event));
    for (const template of own) {
      const sample = await this.contexts.sample(channelId, template.event);
      if (!this.writesKeyword(template.source, kind, sample, keyword)) {
        throw new AppError('validation', `keyword: the channel's ${kind} template for ${template.event} does not contain the keyword "${keyword}"; add it to the template or change the keyword`);
      }
    }
  }

  private async checkKeywordOfBots(channelId: number, kind: TemplateKind, event: TemplateEvent, source: string, sample: TemplateVariables): Promise<void> {
    if (kind !== 'feishu' && kind !== 'dingtalk') return;
    const bots = (await this.db.manager.findBy(WebhookBotEntity, { channelId, kind })).filter((bot) => bot.keyword && (ALWAYS_USED.includes(event) || bot.events.includes(event as BotEvent)));
    for (const bot of bots) {
      if (!this.writesKeyword(source, kind, sample, bot.keyword!)) {
        throw new AppError('validation', `source: the ${kind} template for ${event} lacks the keyword "${bot.keyword}" of bot ${bot.id} (${bot.name}), which would refuse its messages`);
      }
    }
  }

  /** Whether the rendered template contains the keyword; one that fails to render is sent as the built-in one, which gets it added. */
  private writesKeyword(source: string, kind: TemplateKind, sample: TemplateVariables, keyword: string): boolean {
    try {
      const { title, body } = this.renderer.renderSource(source, kind, sample);
      return title.includes(keyword) || body.includes(keyword);
    } catch {
      return true;
    }
  }

  private async previewVariables(channelId: number, input: PreviewInput): Promise<TemplateVariables> {
    await this.channel(channelId);
    if (input.incidentId === undefined || input.event === 'test') return this.contexts.sample(channelId, input.event);
    const incident = await this.db.manager.findOneBy(IncidentEntity, { id: input.incidentId });
    if (!incident || incident.channelId !== channelId) throw new AppError('validation', `incidentId: incident ${input.incidentId} is not an incident of channel ${channelId}`);
    return this.contexts.forIncident({ incidentId: incident.id, channelId, event: input.event });
  }

  private async channel(channelId: number) {
    const channel = await this.db.manager.findOneBy(ChannelEntity, { id: channelId });
    if (!channel) throw new AppError('not_found', `channel ${channelId} does not exist`);
    return channel;
  }
}
