import nodemailer, { type Transporter } from 'nodemailer';
import type { Integration } from '../../db/entities/integration.entity.js';
import { emailSettings } from '../../ingest/email-imap/email-settings.js';
import type { EmailSending, OutgoingEmail } from '../../services/ports/email.js';
import { smtpError } from './smtp-error-codes.js';

const TIMEOUT_MS = 15_000;

/** Mail out through an email integration's SMTP settings (nodemailer); one pooled transport per integration version. */
export class SmtpSender implements EmailSending {
  private readonly transports = new Map<number, { version: number; transport: Transporter }>();

  async send(integration: Integration, email: OutgoingEmail): Promise<void> {
    const settings = emailSettings(integration);
    const where = `${settings.smtpHost}:${settings.smtpPort}`;
    try {
      await this.transportFor(integration).sendMail({
        from: { name: integration.name, address: settings.fromAddress! },
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
      });
    } catch (error) {
      throw smtpError(error, where);
    }
  }

  close(): void {
    for (const { transport } of this.transports.values()) transport.close();
    this.transports.clear();
  }

  private transportFor(integration: Integration): Transporter {
    const version = integration.updatedAt.getTime();
    const kept = this.transports.get(integration.id);
    if (kept?.version === version) return kept.transport;
    kept?.transport.close();
    const settings = emailSettings(integration);
    const transport = nodemailer.createTransport({
      host: settings.smtpHost!,
      port: settings.smtpPort,
      secure: settings.smtpSecurity === 'tls',
      requireTLS: settings.smtpSecurity === 'starttls',
      ignoreTLS: settings.smtpSecurity === 'none',
      auth: settings.smtpUser ? { user: settings.smtpUser, pass: settings.smtpPassword ?? '' } : undefined,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
      logger: false,
    });
    this.transports.set(integration.id, { version, transport });
    return transport;
  }
}
