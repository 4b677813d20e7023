import type { TemplateEvent } from '../../domain/message-template.js';
import type { Logger } from '../../lib/logger.js';
import type { BotMention } from '../ports/webhook-bots.js';
import type { MessageTemplateRenderer } from './message-template-renderer.js';
import type { TemplateContexts } from './template-contexts.js';
import { EVENT_HEADLINES } from './template-variables.js';

/** An email as the templates write it. `html` is a fragment for the body (values HTML-escaped); `text` is plain. */
export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

export interface EmailAbout {
  channelId: number;
  event: TemplateEvent;
  /** The incident; not for a test message (the sample incident is used). */
  incidentId?: number;
  /** People the email is for (shown by templates that use `mentions`). */
  mentions?: BotMention[];
  /** A page's escalation level. */
  level?: number;
}

/**
 * Emails from the channel's `email` template (subject = first line, then the plain text) and `email-html` template
 * (the HTML body), each falling back to the built-in one. For the email destination: `render()` is all it needs.
 */
export class TemplateEmailMessages {
  constructor(
    private readonly renderer: MessageTemplateRenderer,
    private readonly contexts: TemplateContexts,
    private readonly logger: Logger,
  ) {}

  /** Throws when the incident cannot be read; a template that fails is already replaced by the built-in one. */
  async renderOrThrow(about: EmailAbout): Promise<EmailMessage> {
    const variables =
      about.event === 'test' || about.incidentId === undefined
        ? await this.contexts.sample(about.channelId, about.event, about.mentions)
        : await this.contexts.forIncident({ incidentId: about.incidentId, channelId: about.channelId, event: about.event, mentions: about.mentions, level: about.level });
    const [text, html] = await Promise.all([this.renderer.render(about.channelId, 'email', about.event, variables), this.renderer.render(about.channelId, 'email-html', about.event, variables)]);
    return { subject: text.title, text: text.body, html: html.body };
  }

  async render(about: EmailAbout): Promise<EmailMessage> {
    try {
      return await this.renderOrThrow(about);
    } catch (error) {
      // The incident could not be read (database down …): a bare message still tells the recipient to look.
      this.logger.error({ err: error, incidentId: about.incidentId, event: about.event }, 'email template not rendered; a bare message is sent');
      const subject = `[${EVENT_HEADLINES[about.event]}] incident #${about.incidentId ?? 0}`;
      return { subject, text: `${subject}\nOpen oncall-im for the details.`, html: `<p>${subject}</p><p>Open oncall-im for the details.</p>` };
    }
  }
}
