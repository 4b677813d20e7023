import type { AlertLink } from './integration-settings.js';

/** Far more than any alert shows; keeps a hostile card from filling the row. */
export const MAX_ALERT_LINKS = 20;
export const MAX_LINK_URL_CHARS = 2048;
export const MAX_LINK_TEXT_CHARS = 200;

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * The URL, normalized (percent-encoded as a browser would send it), when it is an absolute http(s) or mailto link;
 * undefined otherwise (javascript:, data:, relative, unparsable, too long).
 */
export function safeLinkUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed === '' || trimmed.length > MAX_LINK_URL_CHARS) return undefined;
  try {
    const parsed = new URL(trimmed);
    return SAFE_PROTOCOLS.has(parsed.protocol) && parsed.href.length <= MAX_LINK_URL_CHARS ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** The links worth keeping: safe URLs only, once each, texts cut, at most MAX_ALERT_LINKS. */
export function keepAlertLinks(candidates: Array<{ text?: string; url: string }>): AlertLink[] {
  const kept = new Map<string, AlertLink>();
  for (const candidate of candidates) {
    if (kept.size >= MAX_ALERT_LINKS) break;
    const url = safeLinkUrl(candidate.url);
    if (!url || kept.has(url)) continue;
    const text = Array.from((candidate.text ?? '').trim()).slice(0, MAX_LINK_TEXT_CHARS).join('');
    kept.set(url, { text: text || url.slice(0, MAX_LINK_TEXT_CHARS), url });
  }
  return [...kept.values()];
}
