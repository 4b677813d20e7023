import type { Logger } from '../../lib/logger.js';
import type { BotNotice } from '../ports/webhook-bots.js';
import type { MessageTemplateRenderer } from '../templates/message-template-renderer.js';
import type { TemplateContexts } from '../templates/template-contexts.js';
import type { TemplateVariables } from '../templates/template-variables.js';
import { builtInBotMessages, type BotMessageRequest, type BotMessages } from './bot-messages.js';

/**
 * Bot messages from message templates: the channel's own for the bot's kind and event, else the built-in one from
 * cards/templates/. The rendered text is already in the kind's markup (`formatted`); the kind adds the Details link,
 * the @mentions and the keyword. Should even that fail (the database unreachable while reading the incident …), the
 * plain built-in text goes out: a message is never lost to its template.
 */
export class TemplateBotMessages implements BotMessages {
  private readonly loading = new Map<string, Promise<TemplateVariables>>();

  constructor(
    private readonly renderer: MessageTemplateRenderer,
    private readonly contexts: TemplateContexts,
    private readonly logger: Logger,
    private readonly fallback: BotMessages = builtInBotMessages,
  ) {}

  async notice(request: BotMessageRequest): Promise<BotNotice> {
    try {
      const variables = await this.variables(request);
      const { title, body } = await this.renderer.render(request.channelId, request.kind, request.event, variables);
      const link = request.event === 'test' ? undefined : { text: 'Details', url: request.facts.detailsUrl };
      return { title, lines: body ? [body] : [], ...(link ? { link } : {}), mentions: request.mentions, formatted: true };
    } catch (error) {
      this.logger.error({ err: error, kind: request.kind, event: request.event, incidentId: request.facts.incidentId }, 'bot message template not rendered; the plain built-in text is sent');
      return this.fallback.notice(request);
    }
  }

  item: BotMessages['item'] = (event, facts) => this.fallback.item(event, facts);
  digestTitle: BotMessages['digestTitle'] = (count, channelName) => this.fallback.digestTitle(count, channelName);

  /** An event's bots of several kinds ask at once: the incident is read once for them all. */
  private variables(request: BotMessageRequest): Promise<TemplateVariables> {
    if (request.event === 'test') return this.contexts.sample(request.channelId, 'test', request.mentions);
    const key = JSON.stringify([request.facts.incidentId, request.channelId, request.event, request.level ?? 0, request.mentions]);
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.contexts.forIncident({ incidentId: request.facts.incidentId, channelId: request.channelId, event: request.event, mentions: request.mentions, level: request.level });
      this.loading.set(key, loading);
      void loading.finally(() => this.loading.delete(key)).catch(() => undefined);
    }
    return loading;
  }
}
