import type { Integration } from '../../db/entities/integration.entity.js';

/** One outgoing email, already rendered. */
export interface OutgoingEmail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends mail through an email integration's SMTP settings. Failures are PlatformErrors of platform `email`
 * (auth: login refused; target_gone: the server refused the recipient; transient: unreachable or 4xx).
 */
export interface EmailSending {
  send(integration: Integration, email: OutgoingEmail): Promise<void>;
}
