import type { EmailSettings } from './email-settings.js';

/** What an admin reads as the integration's last incoming error: the cause in plain words, never a password. */
export function describeImapError(error: unknown, settings: EmailSettings): string {
  const failure = error as { code?: string; authenticationFailed?: boolean; responseText?: string; message?: string };
  const where = `${settings.imapHost}:${settings.imapPort}`;
  if (failure.authenticationFailed) return `IMAP login refused for ${settings.imapUser} on ${where}: ${failure.responseText || 'wrong user or password'}`;
  switch (failure.code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: host not found`;
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
    case 'GREETING_TIMEOUT':
      return `cannot connect to ${where}: timed out`;
    case 'NoConnection':
    case 'EConnectionClosed':
      return `the connection to ${where} was closed`;
  }
  if (failure.responseText) return `IMAP server ${where} refused: ${failure.responseText}`;
  return `IMAP ${where}: ${failure.message ?? String(error)}`;
}
