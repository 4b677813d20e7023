import { z } from 'zod';
import type { Integration } from '../../db/entities/integration.entity.js';

/** The integration `type` of email integrations (alerts in from an IMAP mailbox, notifications out over SMTP). */
export const EMAIL_TYPE = 'email';

const host = z.string().trim().min(1).max(255).nullable().default(null);
const port = z.number().int().min(1).max(65535);
const secret = (description: string) => z.string().min(1).max(500).nullable().default(null).meta({ writeOnly: true, description });

/** What only an email integration has; the shared settings (push modes, routing, keywords …) are elsewhere. */
export const emailSettingsSchema = z
  .object({
    description: z.string().max(500).default('').meta({ description: 'What this mailbox is for' }),
    isDefault: z
      .boolean()
      .default(false)
      .meta({ description: 'The default email integration sends the automatic notifications (pages, fallbacks, admin notices); exactly one is default' }),
    imapHost: host.meta({ description: 'IMAP server of the mailbox alerts are sent to; null: no incoming mail (outgoing only)' }),
    imapPort: port.default(993).meta({ description: 'IMAP port (993 with TLS, 143 without)' }),
    imapTls: z.boolean().default(true).meta({ description: 'Connect over TLS (implicit TLS; without it STARTTLS is used when offered)' }),
    imapUser: z.string().min(1).max(255).nullable().default(null).meta({ description: 'IMAP login' }),
    imapPassword: secret('IMAP password; write-only'),
    imapFolder: z.string().trim().min(1).max(255).default('INBOX').meta({ description: 'Folder watched for new messages' }),
    pollSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .meta({ description: 'How often the mailbox is checked; with IMAP IDLE new mail is also picked up as it arrives' }),
    processedAction: z
      .enum(['seen', 'move'])
      .default('seen')
      .meta({ description: 'What happens to a message once its alert is stored: marked seen, or moved to processedFolder' }),
    processedFolder: z.string().trim().min(1).max(255).nullable().default(null).meta({ description: 'Folder processed messages move to (processedAction "move")' }),
    smtpHost: host.meta({ description: 'SMTP server for outgoing mail; null: this integration sends nothing' }),
    smtpPort: port.default(587).meta({ description: 'SMTP port (465 with TLS, 587 with STARTTLS)' }),
    smtpSecurity: z
      .enum(['tls', 'starttls', 'none'])
      .default('starttls')
      .meta({ description: 'tls: implicit TLS; starttls: upgrade required; none: plain (only for a relay on a trusted network)' }),
    smtpUser: z.string().min(1).max(255).nullable().default(null).meta({ description: 'SMTP login; null: no authentication' }),
    smtpPassword: secret('SMTP password; write-only'),
    fromAddress: z.email().max(255).nullable().default(null).meta({ description: 'From address of outgoing mail (the integration name is the sender name)' }),
  })
  .strict();

export type EmailSettings = z.output<typeof emailSettingsSchema>;

/** Written through emailSettingsSchema, so read without parsing again. */
export function emailSettings(integration: Integration): EmailSettings {
  return integration.settings as unknown as EmailSettings;
}

/** Cross-field rules of the form: what is required once a side (incoming, outgoing) is configured. */
export function emailSettingsProblems(settings: EmailSettings): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  if (settings.imapHost !== null) {
    if (settings.imapUser === null) problems.push({ field: 'imapUser', message: 'is required when imapHost is set' });
    if (settings.imapPassword === null) problems.push({ field: 'imapPassword', message: 'is required when imapHost is set' });
  }
  if (settings.processedAction === 'move') {
    if (settings.processedFolder === null) problems.push({ field: 'processedFolder', message: 'is required when processedAction is "move"' });
    else if (settings.processedFolder === settings.imapFolder) problems.push({ field: 'processedFolder', message: 'must differ from imapFolder' });
  }
  if (settings.smtpHost !== null && settings.fromAddress === null) problems.push({ field: 'fromAddress', message: 'is required when smtpHost is set' });
  if (settings.smtpUser !== null && settings.smtpPassword === null) problems.push({ field: 'smtpPassword', message: 'is required when smtpUser is set' });
  if (settings.isDefault && settings.smtpHost === null) problems.push({ field: 'isDefault', message: 'the default email integration sends the notifications: set smtpHost' });
  return problems;
}

/** The integration that sends the automatic notifications: the email integration marked default, with SMTP set. */
export function isDefaultEmailSender(integration: Integration): boolean {
  if (integration.type !== EMAIL_TYPE) return false;
  const settings = emailSettings(integration);
  return settings.isDefault && settings.smtpHost !== null && settings.fromAddress !== null;
}
