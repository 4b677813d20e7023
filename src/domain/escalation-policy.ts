import type { IncidentStatus, Severity } from './incident-status.js';
import type { MessageCondition } from './integration-settings.js';
import { conditionHolds } from './message-matchers.js';

/** When a rule applies: hours on given weekdays, in the channel's time zone. `end` before `start` spans midnight. */
export interface TimeWindow {
  /** 0 = Sunday … 6 = Saturday. */
  weekdays: number[];
  start: string;
  end: string;
}

export interface EscalationFilters {
  severities?: Severity[];
  /** Tested against the incident's title and description. */
  conditions?: MessageCondition[];
  timeWindow?: TimeWindow;
}

export interface EscalationLevel {
  memberIds: number[];
  /** Post in the channel's bound group chats, @mentioning the targets' linked accounts. */
  notifyGroupChats: boolean;
  /** A direct message from the app bot to each target. */
  notifyDirect: boolean;
  /** Group bots of the channel that post the page, @mentioning the targets where the bot kind can (absent before bots existed). */
  notifyBotIds?: number[];
  /** An email to each target's member address, through the default email integration (absent before email existed). */
  notifyEmail?: boolean;
  /** How long to wait, after this level is paged, before the next one. */
  waitMinutes: number;
}

/** The part of a rule that is copied onto an incident when it triggers, so later edits don't change it. */
export interface EscalationPolicy {
  ruleId: number;
  ruleName: string;
  levels: EscalationLevel[];
  /** How many more times the whole sequence runs after the first (0–5). */
  repeat: number;
  /** Escalation continues while the incident is unacknowledged, or (`closed`) while it is open at all. */
  stopOn: 'acknowledged' | 'closed';
}

export interface EscalationRuleLike {
  filters: EscalationFilters;
}

export interface IncidentFacts {
  severity: Severity;
  title: string;
  description: string;
}

const MINUTES_IN_DAY = 24 * 60;

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}

/** Weekday and minute of day of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { weekday: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((candidate) => candidate.type === type)?.value ?? '';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  return { weekday, minute: (Number(part('hour')) % 24) * 60 + Number(part('minute')) };
}

export function inTimeWindow(window: TimeWindow, at: Date, timeZone: string): boolean {
  const { weekday, minute } = localTime(at, timeZone);
  const start = minutesOf(window.start);
  // An end of 00:00 means midnight at the end of the day.
  const end = minutesOf(window.end) === 0 ? MINUTES_IN_DAY : minutesOf(window.end);
  if (start < end) return window.weekdays.includes(weekday) && minute >= start && minute < end;
  // Overnight window: the part after midnight belongs to the previous day's window.
  if (minute >= start) return window.weekdays.includes(weekday);
  return minute < end && window.weekdays.includes((weekday + 6) % 7);
}

export function ruleApplies(rule: EscalationRuleLike, incident: IncidentFacts, at: Date, timeZone: string): boolean {
  const { severities, conditions, timeWindow } = rule.filters;
  if (severities?.length && !severities.includes(incident.severity)) return false;
  const message = { title: incident.title, content: incident.description };
  if (conditions?.length && !conditions.every((condition) => conditionHolds(message, condition))) return false;
  if (timeWindow && !inTimeWindow(timeWindow, at, timeZone)) return false;
  return true;
}

/** The first rule, in order, whose filters match. */
export function chooseRule<T extends EscalationRuleLike>(rules: T[], incident: IncidentFacts, at: Date, timeZone: string): T | undefined {
  return rules.find((rule) => ruleApplies(rule, incident, at, timeZone));
}

/**
 * Escalation as a sequence of steps: step k pages level k mod L in round ⌊k / L⌋.
 * There are L × (repeat + 1) steps in all.
 */
export function totalSteps(policy: EscalationPolicy): number {
  return policy.levels.length * (policy.repeat + 1);
}

export function levelOfStep(policy: EscalationPolicy, step: number): { level: number; round: number } {
  return { level: step % policy.levels.length, round: Math.floor(step / policy.levels.length) };
}

/** One step of an escalation as planned from its start: which level, in which round, how long after the start. */
export interface PlannedStep {
  step: number;
  /** 0-based. */
  level: number;
  /** 0 for the first run through the levels, then one per repeat. */
  round: number;
  atSeconds: number;
}

/**
 * Every step of a policy with its time from the start, if nobody answers: each level waits its own `waitMinutes`
 * before the next step (decideStep's due times, laid end to end).
 */
export function escalationSchedule(policy: EscalationPolicy): PlannedStep[] {
  const steps: PlannedStep[] = [];
  let atSeconds = 0;
  for (let step = 0; step < totalSteps(policy); step++) {
    const { level, round } = levelOfStep(policy, step);
    steps.push({ step, level, round, atSeconds });
    atSeconds += policy.levels[level].waitMinutes * 60;
  }
  return steps;
}

/** Whether the incident's status still calls for paging. */
export function stillEscalating(policy: EscalationPolicy, status: IncidentStatus): boolean {
  return policy.stopOn === 'acknowledged' ? status === 'triggered' : status !== 'closed';
}

export interface EscalatingIncident {
  status: IncidentStatus;
  escalationPolicy: EscalationPolicy | null;
  escalationStep: number;
}

export type StepDecision =
  | { take: false; reason: string; stopEscalating?: true }
  | { take: true; level: number; round: number; nextDueAt: Date | null };

/**
 * Whether step `step` may be paged now. `byPerson`: someone pressed Escalate, which works on an acknowledged
 * incident too; a timer only pages while the policy still calls for it, and otherwise stops the escalation.
 */
export function decideStep(incident: EscalatingIncident | undefined, step: number, byPerson: boolean, now: Date): StepDecision {
  const policy = incident?.escalationPolicy;
  if (!incident || !policy) return { take: false, reason: 'no escalation for this incident' };
  if (incident.escalationStep !== step) return { take: false, reason: `step ${step} was already taken` };
  if (step >= totalSteps(policy)) return { take: false, reason: 'escalation finished' };
  if (!byPerson && !stillEscalating(policy, incident.status)) return { take: false, reason: `incident is ${incident.status}`, stopEscalating: true };
  if (incident.status === 'closed') return { take: false, reason: 'incident is closed' };
  const { level, round } = levelOfStep(policy, step);
  const hasNext = step + 1 < totalSteps(policy) && stillEscalating(policy, incident.status);
  const nextDueAt = hasNext ? new Date(now.getTime() + policy.levels[level].waitMinutes * 60_000) : null;
  return { take: true, level, round, nextDueAt };
}

/**
 * What a status change does to a pending escalation step: a status the policy stops at (acknowledged, or closed
 * with stopOn "closed") drops it, in the same write as the status, so no timer can page after the answer.
 */
export function escalationOnStatus(
  incident: { escalationPolicy: EscalationPolicy | null; escalationDueAt: Date | null },
  status: IncidentStatus,
): { escalationDueAt?: null } {
  const policy = incident.escalationPolicy;
  return policy && incident.escalationDueAt && !stillEscalating(policy, status) ? { escalationDueAt: null } : {};
}
