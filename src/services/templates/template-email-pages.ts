import type { Logger } from '../../lib/logger.js';
import { escapeHtml } from '../../lib/html-escape.js';
import type { EmailMessages, IntegrationTroubleInput, PageEmailInput, RenderedEmail } from '../email/email-messages.js';
import { defaultEmailMessages, fallbackNote, subjectLine } from '../email/email-messages.js';
import type { TemplateEmailMessages } from './template-email-messages.js';

/**
 * Email pages from the incident's channel templates (event `page`, kinds `email` and `email-html`); a fallback email
 * gets the line saying which message failed appended, whatever the template says. When rendering throws (the incident
 * cannot be read …) the built-in page is sent: a page is never lost to a template.
 * The admin notice about a failing email integration stays built-in: it belongs to no channel, so no channel's
 * templates apply to it.
 */
export class TemplateEmailPages implements EmailMessages {
  constructor(
    private readonly templates: TemplateEmailMessages,
    private readonly logger: Logger,
  ) {}

  async page(input: PageEmailInput): Promise<RenderedEmail> {
    const { incident } = input;
    try {
      const email = await this.templates.renderOrThrow({ channelId: incident.channelId, event: 'page', incidentId: incident.id, mentions: [{ name: input.memberName }], level: input.levelNumber });
      const why = fallbackNote(input.insteadOf);
      return {
        subject: subjectLine(email.subject),
        text: why ? `${email.text}\n\n${why}` : email.text,
        html: why ? `${email.html}\n<p><i>${escapeHtml(why)}</i></p>` : email.html,
      };
    } catch (error) {
      this.logger.error({ err: error, incidentId: incident.id }, 'email page template not rendered; the built-in page is sent');
      return defaultEmailMessages.page(input);
    }
  }

  async integrationTrouble(input: IntegrationTroubleInput): Promise<RenderedEmail> {
    return defaultEmailMessages.integrationTrouble(input);
  }
}
