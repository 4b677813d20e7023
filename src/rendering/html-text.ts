/** Untrusted text (alert titles, names, payloads) made safe to place in HTML text and attribute values. */
import { escapeHtml } from '../lib/html-escape.js';

/**
 * Bidirectional embedding, override and isolate controls: in alert text they only serve to make text read as
 * something else ("gpj.exe" shown as "exe.jpg"); the page isolates each field with <bdi> instead.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/** Escaped for HTML text or a quoted attribute, bidi controls dropped. */
export function html(text: string): string {
  return escapeHtml(stripBidiControls(text));
}

/** The first `limit` code points and whether anything was cut (never half of a surrogate pair). */
export function headOf(text: string, limit: number): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  const head = text.slice(0, limit);
  return { text: /[\uD800-\uDBFF]$/.test(head) ? head.slice(0, -1) : head, cut: true };
}
