import { savedRegex } from '../lib/linear-regex.js';
import type { InboundMessage, MessageCondition } from './integration-settings.js';

function fieldText(message: InboundMessage, field: MessageCondition['field']): string {
  if (field === 'title') return message.title;
  if (field === 'content') return message.content;
  return `${message.title}\n${message.content}`;
}

/** A regex condition whose pattern cannot run (saved before validation caught it) holds for no message. */
export function conditionHolds(message: InboundMessage, condition: MessageCondition): boolean {
  const text = fieldText(message, condition.field);
  if (condition.op === 'contains') return text.includes(condition.value);
  return savedRegex(condition.value)?.test(text) ?? false;
}

export function allConditionsHold(message: InboundMessage, conditions: MessageCondition[]): boolean {
  return conditions.every((condition) => conditionHolds(message, condition));
}

/** First capture group of the match, or the whole match; undefined when nothing (or only blanks) is found. */
export function extractWithRegex(text: string, regex: string): string | undefined {
  const match = savedRegex(regex)?.exec(text);
  if (!match) return undefined;
  const extracted = (match.length > 1 ? match[1] : match[0])?.trim();
  return extracted ? extracted : undefined;
}
