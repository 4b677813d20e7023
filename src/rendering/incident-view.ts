import type { IncidentStatus, Severity } from '../domain/incident-status.js';
import type { MessageFormat } from '../domain/integration-settings.js';

/** Everything a card or message shows about an incident, independent of the chat platform. */
export interface IncidentView {
  id: number;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  channelName: string;
  alertCount: number;
  firstSeenAt: Date;
  lastSeenAt: Date;
  description: string;
  descriptionFormat: MessageFormat;
  acknowledged?: { by: string; at: Date };
  closed?: { by: string; at: Date };
  /** Names of the people who acted on it, in order of first action. */
  responders: string[];
  /** A few recent timeline lines, newest last. */
  recentActivity: string[];
  detailsUrl: string;
  /**
   * How many escalation steps have been taken: the Escalate button carries it, so that a click on a card that is no
   * longer current (a double click, a stale card) escalates nothing.
   */
  escalationStep: number;
  escalation?: EscalationView;
}

export interface EscalationView {
  ruleName: string;
  /** 1-based level last paged; 0 when none yet. */
  level: number;
  levels: number;
  paged: string[];
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

/** `2026-11-23 19:46 UTC`: cards are read by people in many time zones, so the zone is always shown. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
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
