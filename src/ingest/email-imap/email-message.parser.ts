import { simpleParser } from 'mailparser';
import type { InboundMessage } from '../../domain/integration-settings.js';

/** A message larger than this is not downloaded: it is reported as an incoming error (a person reads it in the mailbox). */
export const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;
/** HTML bigger than this is not converted to text (the converter's time grows with it). */
const MAX_HTML_TO_CONVERT = 1024 * 1024;
/** The kept headers are for inspection: an alert's raw payload stays well under its column's size. */
const MAX_HEADER_CHARS = 16_000;

/** An email as an alert: subject = title, plain text (HTML converted when there is no text part) = description. */
export interface ParsedEmail {
  message: InboundMessage;
  /** The raw header block, as received. */
  headers: string;
  from: string;
}

/** Why a message cannot become an alert; the poller records it as the integration's last incoming error. */
export class UnreadableEmail extends Error {}

export async function parseEmail(source: Buffer): Promise<ParsedEmail> {
  if (source.length > MAX_MESSAGE_BYTES) throw new UnreadableEmail(`the message is ${formatBytes(source.length)}, over the ${formatBytes(MAX_MESSAGE_BYTES)} limit`);
  const headerEnd = findHeaderEnd(source);
  if (headerEnd < 0) throw new UnreadableEmail('malformed message: no blank line ends its header');
  let parsed;
  try {
    parsed = await simpleParser(source, { keepCidLinks: true, skipTextToHtml: true, skipImageLinks: true, checksumAlgo: false, maxHtmlLengthToParse: MAX_HTML_TO_CONVERT });
  } catch (error) {
    throw new UnreadableEmail(`malformed message: ${(error as Error).message}`.slice(0, 300));
  }
  if (parsed.headerLines.length === 0) throw new UnreadableEmail('malformed message: it has no headers');
  const text = (parsed.text ?? '').replace(/\r\n/g, '\n').trim();
  const headers = source.subarray(0, headerEnd).toString('utf8');
  return {
    message: { title: (parsed.subject ?? '').trim() || '(no subject)', content: text },
    headers: headers.length > MAX_HEADER_CHARS ? `${headers.slice(0, MAX_HEADER_CHARS)}\n[headers cut at ${MAX_HEADER_CHARS} characters]` : headers,
    from: parsed.from?.text ?? '',
  };
}

function findHeaderEnd(source: Buffer): number {
  const crlf = source.indexOf('\r\n\r\n');
  const lf = source.indexOf('\n\n');
  if (crlf < 0) return lf;
  if (lf < 0) return crlf;
  return Math.min(crlf, lf);
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}
