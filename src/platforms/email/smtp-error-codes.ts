import { PlatformError, type PlatformErrorKind } from '../../services/ports/platform-error.js';

/** nodemailer's error codes and SMTP reply codes, as PlatformError kinds. */
export function smtpError(error: unknown, where: string): PlatformError {
  const failure = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const reply = failure.responseCode;
  let kind: PlatformErrorKind = 'transient';
  if (failure.code === 'EAUTH' || reply === 535 || reply === 534) kind = 'auth';
  else if (failure.code === 'EENVELOPE' && (reply === undefined || reply >= 500)) kind = reply === 550 || reply === 551 || reply === 553 ? 'target_gone' : 'bad_request';
  else if (reply !== undefined && reply >= 500) kind = reply === 550 || reply === 551 || reply === 553 ? 'target_gone' : 'bad_request';
  else if (failure.code === 'EMESSAGE') kind = 'bad_request';
  const detail = (failure.response ?? failure.message ?? String(error)).replace(/\s+/g, ' ').slice(0, 300);
  return new PlatformError('email', kind, reply ?? failure.code, `SMTP ${where}: ${detail}`);
}
