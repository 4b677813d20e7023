import type { IncidentStatus, Severity } from '../domain/incident-status.js';
import type { MessageFormat } from '../domain/integration-settings.js';
import { zonedDateTime } from './zoned-time.js';

/** Everything a card or message shows about an incident, independent of the chat platform. */
export interface IncidentView {
  id: number;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  channelName: string;
  /** The channel's IANA time zone: times are shown in it where the platform cannot show each reader's own. */
  timeZone: string;
  /** Distinct alerts grouped into the incident (the API's `alertCount`). */
  alertCount: number;
  /** Messages received for those alerts, repeats included. */
  eventCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  description: string;
  descriptionFormat: MessageFormat;
  acknowledged?: { by: string; at: Date };
  closed?: { by: string; at: Date };
  /** Who acted on it (in order of first action), then who was paged and has not acted (in order of paging). */
  responders: Responder[];
  /** A few recent timeline entries, newest last. */
  recentActivity: ActivityEntry[];
  detailsUrl: string;
  /**
   * How many escalation steps have been taken: the Escalate button carries it, so that a click on a card that is no
   * longer current (a double click, a stale card) escalates nothing.
   */
  escalationStep: number;
  escalation?: EscalationView;
}

/**
 * What a responder did last: one of the actions; or, for someone paged who has not acted yet, `paged` (a page reached
 * them, or is still on its way) or `not_reached` (every message of their pages failed, and any fallback too).
 */
export type ResponderRole = 'acknowledged' | 'closed' | 'reopened' | 'escalated' | 'acted' | 'paged' | 'not_reached';

export interface Responder {
  name: string;
  role: ResponderRole;
}

/** One timeline entry: when, and what happened (`Acknowledged by Ann`; the name is untrusted text). */
export interface ActivityEntry {
  at: Date;
  text: string;
}

export interface EscalationView {
  ruleName: string;
  /** 1-based level last paged; 0 when none yet. */
  level: number;
  levels: number;
  paged: string[];
  /** Of `paged`, those no page has reached (so far). */
  notReached: string[];
  nextDueAt?: Date;
}

export const STATUS_LABEL: Record<IncidentStatus, string> = {
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  closed: 'Closed',
};

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  warning: 'Warning',
  info: 'Info',
};

/** `2026-11-23 19:46 UTC`: where no channel's zone applies, UTC, and the zone is always shown. */
export function formatTime(date: Date): string {
  return zonedDateTime(date, 'UTC');
}

/** `2026-11-23 20:46 (Europe/Berlin)`: a time as the channel's people read it, with its zone named. */
export function formatTimeIn(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} (${timeZone})`;
}
