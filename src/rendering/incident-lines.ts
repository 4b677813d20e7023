import { formatTime, type IncidentView } from './incident-view.js';
import { capText, nameList } from './text-caps.js';

/**
 * How much of a card line a list of names may take (escaped text): a level of fifty people is shown as the first few
 * and "and 46 more", so the rest of the activity still fits.
 */
export const NAME_LIST_LIMIT = 400;
/** A name or a rule's name inside a line (members' and rules' names are at most 100 characters when stored). */
const NAME_LIMIT = 100;
/** One timeline line as the card shows it. */
const ACTIVITY_LINE_LIMIT = 300;

/** How a platform's markup escapes untrusted text and makes text bold. */
export interface Markup {
  escape(text: string): string;
  bold(text: string): string;
}

/** Untrusted text cut to `limit` characters (before escaping, so no escape is cut), then escaped. */
const escapedPart = (markup: Markup, text: string, limit: number) => markup.escape(capText(text, limit));

/** Who has the incident now, as one line. */
export function statusLine(view: IncidentView, markup: Markup): string {
  if (view.closed) return `Closed by ${markup.bold(escapedPart(markup, view.closed.by, NAME_LIMIT))} at ${formatTime(view.closed.at)}`;
  if (view.acknowledged) return `Acknowledged by ${markup.bold(escapedPart(markup, view.acknowledged.by, NAME_LIMIT))} at ${formatTime(view.acknowledged.at)}`;
  return 'Waiting for someone to acknowledge';
}

/** Where the escalation stands, or undefined when none runs. */
export function escalationLine(view: IncidentView, markup: Markup): string | undefined {
  const escalation = view.escalation;
  if (!escalation || view.status === 'closed') return undefined;
  const paged =
    escalation.level > 0
      ? `level ${escalation.level}/${escalation.levels} paged ${escalation.paged.length ? nameList(escalation.paged, NAME_LIST_LIMIT, markup.escape) : 'nobody'}`
      : 'not paged yet';
  const next = escalation.nextDueAt ? ` · next level at ${formatTime(escalation.nextDueAt)}` : '';
  return `Escalation (${escapedPart(markup, escalation.ruleName, NAME_LIMIT)}): ${paged}${next}`;
}

/** Status, escalation and the last few timeline lines. */
export function activityLines(view: IncidentView, markup: Markup): string {
  return [statusLine(view, markup), escalationLine(view, markup), ...view.recentActivity.slice(-3).map((line) => escapedPart(markup, line, ACTIVITY_LINE_LIMIT))].filter(Boolean).join('\n');
}
