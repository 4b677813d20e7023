import { capText, escapedWithin } from '../../rendering/text-caps.js';
import { DINGTALK_LIMITS } from './dingtalk-limits.js';

/**
 * Alert text shown in DingTalk markdown (cards, sampleMarkdown): `<`, `>` and `&` as entities (DingTalk markdown
 * takes HTML such as `<font>`), and markdown punctuation escaped with a backslash, so that a title cannot make a link
 * (a `dtmd://` link sends a message as whoever clicks it, a command included), an image, emphasis or a heading.
 * @mentions cannot come from text: DingTalk notifies only the ids in `atUserIds` / `at`.
 */
export function escapeDingTalkMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]()|~])/g, '\\$1')
    // Block markup only counts at the start of a line: headings, lists, rules.
    .replace(/^(\s*)([#\-+=])/gm, '$1\\$2')
    .replace(/^(\s*\d+)\./gm, '$1\\.');
}

/** Untrusted text for a markdown place, escaped and within `limit`. */
export function dingtalkMarkdown(text: string, limit: number): string {
  return escapedWithin(text, limit, escapeDingTalkMarkdown);
}

/** A plain text robot message (sampleText) — shown as written, so only capped. */
export function dingtalkPlainText(text: string): string {
  return capText(text, DINGTALK_LIMITS.plainText);
}
