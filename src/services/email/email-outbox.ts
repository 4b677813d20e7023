import type { Integration } from '../../db/entities/integration.entity.js';
import type { IntegrationHealthService } from '../catalog/integration-health.service.js';
import type { IntegrationService } from '../catalog/integration.service.js';
import type { EmailSending, OutgoingEmail } from '../ports/email.js';
import { PlatformError } from '../ports/platform-error.js';

/** How long the default sender is kept between look-ups (edits through this instance apply at once). */
const SENDER_CACHE_MS = 5_000;

/**
 * Automatic notifications by email (pages, fallbacks, admin notices) go out through the default email integration
 * and count on its outgoing health: a success resets its consecutive outgoing errors, a failure adds one.
 */
export class EmailOutbox {
  private sender?: { integration: Integration | null; until: number };

  constructor(
    private readonly integrations: IntegrationService,
    private readonly health: IntegrationHealthService,
    private readonly sending: EmailSending,
    /** Whether an integration is the default email sender (the email type knows its settings). */
    private readonly isDefaultSender: (integration: Integration) => boolean,
  ) {
    integrations.onChange(() => (this.sender = undefined));
  }

  /** Sends through the default email integration; throws a PlatformError when there is none or the send failed. */
  async send(email: OutgoingEmail): Promise<void> {
    const sender = await this.defaultSender();
    if (!sender) throw new PlatformError('email', 'permission_denied', 'no_default_sender', 'no default email integration with SMTP settings: mark one as default');
    try {
      await this.sending.send(sender, email);
    } catch (error) {
      await this.health.sendFailed(sender.id, (error as Error).message).catch(() => undefined);
      throw error;
    }
    await this.health.sent(sender.id);
  }

  /** Whether there is a default email integration to send with. */
  async canSend(): Promise<boolean> {
    return (await this.defaultSender()) !== null;
  }

  private async defaultSender(): Promise<Integration | null> {
    if (this.sender && this.sender.until > Date.now()) return this.sender.integration;
    const integration = (await this.integrations.list()).find(this.isDefaultSender) ?? null;
    this.sender = { integration, until: Date.now() + SENDER_CACHE_MS };
    return integration;
  }
}
