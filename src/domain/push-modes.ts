import type { InboundMessage, PushMode, PushRule } from './integration-settings.js';
import { allConditionsHold, extractWithRegex } from './message-matchers.js';

export interface PushSettings {
  pushMode: PushMode;
  pushRules: PushRule[] | null;
  discardUnmatched: boolean;
}

/**
 * What one inbound message does. `dedupeKey` null means "always a new alert";
 * otherwise an open alert with the same key in the integration absorbs the message.
 */
export type PushDecision =
  | { action: 'trigger'; alertKey: string; dedupeKey: string | null }
  | { action: 'close'; alertKey: string; dedupeKey: string }
  | { action: 'discard'; reason: string };

export function decidePush(settings: PushSettings, message: InboundMessage, newAlertKey: () => string): PushDecision {
  switch (settings.pushMode) {
    case 'always_new':
      return { action: 'trigger', alertKey: newAlertKey(), dedupeKey: null };
    case 'by_title':
      return { action: 'trigger', alertKey: message.title, dedupeKey: `title:${message.title}` };
    case 'by_rules':
      return decideByRules(settings.pushRules ?? [], settings.discardUnmatched, message);
  }
}

/** The index of the first push rule whose conditions all hold; -1 when none does. */
export function matchingPushRule(rules: PushRule[], message: InboundMessage): number {
  return rules.findIndex((candidate) => allConditionsHold(message, candidate.conditions));
}

function decideByRules(rules: PushRule[], discardUnmatched: boolean, message: InboundMessage): PushDecision {
  const rule = rules[matchingPushRule(rules, message)];
  if (!rule) {
    if (discardUnmatched) return { action: 'discard', reason: 'no push rule matched the message' };
    return { action: 'trigger', alertKey: message.title, dedupeKey: `key:${message.title}` };
  }
  const alertKey = extractAlertKey(rule, message);
  return { action: rule.action, alertKey, dedupeKey: `key:${alertKey}` };
}

/**
 * The key is looked for in the first this-many characters of its field. A capturing match costs RE2 time in
 * proportion to text × pattern: over a whole 21,000-character description an adversarial pattern at the size cap
 * held the event loop for over half a second per alert; over this much, a tenth of that.
 */
export const ALERT_KEY_SCAN_CHARS = 4096;

/** The title is the fallback key, so a message whose key cannot be extracted is still kept. */
export function extractAlertKey(rule: PushRule, message: InboundMessage): string {
  if (!rule.keyRegex) return message.title;
  const source = rule.keyField === 'content' ? message.content.slice(0, ALERT_KEY_SCAN_CHARS) : message.title;
  return extractWithRegex(source, rule.keyRegex) ?? message.title;
}
