import type { IncidentView, ResponderRole } from './incident-view.js';
import { capText, escapedWithin, nameList } from './text-caps.js';
import { zonedClock, zonedDateTime } from './zoned-time.js';

/**
 * How much of a card line a list of names may take (escaped text): a level of fifty people is shown as the first few
 * and "and 46 more", so the rest of the activity still fits.
 */
export const NAME_LIST_LIMIT = 400;
/** A name or a rule's name inside a line (members' and rules' names are at most 100 characters when stored). */
const NAME_LIMIT = 100;
/** One timeline line as the card shows it. */
const ACTIVITY_LINE_LIMIT = 300;

/** A date with the time of day (first/last seen), or the time of day alone (activity lines). */
export type TimeStyle = 'datetime' | 'time';

/** How a platform's markup escapes untrusted text, makes text bold, and shows a time. */
export interface Markup {
  escape(text: string): string;
  bold(text: string): string;
  /**
   * The platform's own time markup, which each reader sees in their own zone (Feishu's `<local_datetime>`, Slack's
   * `<!date>`); `fallback` is the time in the channel's zone, for where the markup cannot be shown. Without it a
   * time is that channel-zone text ("14:05 CST").
   */
  time?(at: Date, style: TimeStyle, fallback: string): string;
}

/** Untrusted text cut to `limit` characters (before escaping, so no escape is cut), then escaped. */
const escapedPart = (markup: Markup, text: string, limit: number) => markup.escape(capText(text, limit));

/** A time of the incident as `markup` shows it, in the channel's zone where the platform has no time markup. */
export function timeText(view: Pick<IncidentView, 'timeZone'>, at: Date, style: TimeStyle, markup: Markup): string {
  const inChannelZone = style === 'datetime' ? zonedDateTime(at, view.timeZone) : zonedClock(at, view.timeZone);
  return markup.time ? markup.time(at, style, inChannelZone) : inChannelZone;
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** `3 alerts, 10 events`: distinct alerts (the API's alertCount) and the messages received for them. */
export function countsText(view: Pick<IncidentView, 'alertCount' | 'eventCount'>): string {
  return `${plural(view.alertCount, 'alert')}, ${plural(view.eventCount, 'event')}`;
}

const ROLE_LABEL: Record<ResponderRole, string> = {
  acknowledged: 'acknowledged',
  closed: 'closed',
  reopened: 'reopened',
  escalated: 'escalated',
  acted: 'acted',
  paged: 'paged',
  not_reached: 'not reached',
};

/** `Ann (acknowledged), Bob (paged), Cy (not reached) and 3 more`, names escaped; `—` when nobody was paged or acted. */
export function respondersText(view: Pick<IncidentView, 'responders'>, markup: Markup): string {
  if (view.responders.length === 0) return '—';
  // Capped once escaped: a name that escaping makes long must not push its role out of the list's length.
  const pieces = view.responders.map(({ name, role }) => `${escapedWithin(name, NAME_LIMIT, markup.escape)} (${ROLE_LABEL[role]})`);
  return nameList(pieces, NAME_LIST_LIMIT, (piece) => piece);
}

/** Who has the incident now, as one line. */
export function statusLine(view: IncidentView, markup: Markup): string {
  if (view.closed) return `Closed by ${markup.bold(escapedPart(markup, view.closed.by, NAME_LIMIT))} at ${timeText(view, view.closed.at, 'datetime', markup)}`;
  if (view.acknowledged) return `Acknowledged by ${markup.bold(escapedPart(markup, view.acknowledged.by, NAME_LIMIT))} at ${timeText(view, view.acknowledged.at, 'datetime', markup)}`;
  return 'Waiting for someone to acknowledge';
}

/** Where the escalation stands, or undefined when none runs. */
export function escalationLine(view: IncidentView, markup: Markup): string | undefined {
  const escalation = view.escalation;
  if (!escalation || view.status === 'closed') return undefined;
  const notReached = new Set(escalation.notReached);
  const pieces = escalation.paged.map((name) => `${markup.escape(name)}${notReached.has(name) ? ' (not reached)' : ''}`);
  const paged =
    escalation.level > 0 ? `level ${escalation.level}/${escalation.levels} paged ${pieces.length ? nameList(pieces, NAME_LIST_LIMIT, (piece) => piece) : 'nobody'}` : 'not paged yet';
  const next = escalation.nextDueAt ? ` · next level at ${timeText(view, escalation.nextDueAt, 'time', markup)}` : '';
  return `Escalation (${escapedPart(markup, escalation.ruleName, NAME_LIMIT)}): ${paged}${next}`;
}

/** Status, escalation and the last few timeline entries, each with its time. */
export function activityLines(view: IncidentView, markup: Markup): string {
  const recent = view.recentActivity.slice(-3).map((entry) => `${timeText(view, entry.at, 'time', markup)} ${escapedPart(markup, entry.text, ACTIVITY_LINE_LIMIT)}`);
  return [statusLine(view, markup), escalationLine(view, markup), ...recent].filter(Boolean).join('\n');
}
