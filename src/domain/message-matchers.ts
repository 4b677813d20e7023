import type { InboundMessage, MessageCondition } from './integration-settings.js';

const LITERAL = /^\/(.*)\/([dgimsuvy]*)$/s;

/** Accepts `pattern` or `/pattern/flags`. Throws SyntaxError for an invalid expression. */
export function compileRegex(source: string): RegExp {
  const literal = LITERAL.exec(source);
  if (literal) return new RegExp(literal[1], literal[2].replace('g', ''));
  return new RegExp(source);
}

function fieldText(message: InboundMessage, field: MessageCondition['field']): string {
  if (field === 'title') return message.title;
  if (field === 'content') return message.content;
  return `${message.title}\n${message.content}`;
}

export function conditionHolds(message: InboundMessage, condition: MessageCondition): boolean {
  const text = fieldText(message, condition.field);
  return condition.op === 'contains' ? text.includes(condition.value) : compileRegex(condition.value).test(text);
}

export function allConditionsHold(message: InboundMessage, conditions: MessageCondition[]): boolean {
  return conditions.every((condition) => conditionHolds(message, condition));
}

/** First capture group of the match, or the whole match; undefined when nothing (or only blanks) is found. */
export function extractWithRegex(text: string, regex: string): string | undefined {
  const match = compileRegex(regex).exec(text);
  if (!match) return undefined;
  const extracted = (match.length > 1 ? match[1] : match[0])?.trim();
  return extracted ? extracted : undefined;
}
