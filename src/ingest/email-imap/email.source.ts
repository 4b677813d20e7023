import type { SourceType } from '../source-type.js';
import { EMAIL_TYPE, emailSettings, emailSettingsProblems, emailSettingsSchema, type EmailSettings } from './email-settings.js';
import { MailboxWatchers } from './mailbox-watchers.js';

/** Alerts from an IMAP mailbox (each new message one alert); the same integration sends notifications over SMTP. */
export const emailSource: SourceType = {
  name: EMAIL_TYPE,
  label: 'Email (IMAP in, SMTP out)',
  description:
    "Point a monitoring tool's email notifications at a mailbox: each new message becomes an alert (subject = title, text = description). The SMTP side sends pages, fallbacks and admin notices.",
  settings: emailSettingsSchema,
  exclusiveSettings: ['isDefault'],
  reportsHealth: true,
  check: (settings) => emailSettingsProblems(settings as EmailSettings),
  receiver: {
    kind: 'poll',
    start: async (deps) => {
      const watchers = new MailboxWatchers();
      await watchers.start(deps);
      return watchers;
    },
  },
  address: {
    field: 'mailbox',
    label: 'Mailbox',
    description: 'The mailbox alerts are read from (user, server, folder), or null when the integration has no incoming side',
    of: (integration) => {
      const settings = emailSettings(integration);
      return settings.imapHost === null ? null : `${settings.imapUser} at ${settings.imapHost}:${settings.imapPort}, folder ${settings.imapFolder}`;
    },
  },
};
