export type Severity = 'critical' | 'warning' | 'info';
export type IncidentStatus = 'triggered' | 'acknowledged' | 'closed';
export type AlertStatus = 'firing' | 'resolved';
export type IncidentAction = 'acknowledge' | 'close' | 'reopen';

export type TransitionResult =
  | { outcome: 'changed'; next: IncidentStatus }
  /** The incident is already where the action would take it: nothing to do, not an error. */
  | { outcome: 'unchanged' }
  | { outcome: 'invalid'; reason: string };

const TRANSITIONS: Record<IncidentAction, Partial<Record<IncidentStatus, TransitionResult>>> = {
  acknowledge: {
    triggered: { outcome: 'changed', next: 'acknowledged' },
    acknowledged: { outcome: 'unchanged' },
    closed: { outcome: 'invalid', reason: 'the incident is closed; reopen it first' },
  },
  close: {
    triggered: { outcome: 'changed', next: 'closed' },
    acknowledged: { outcome: 'changed', next: 'closed' },
    closed: { outcome: 'unchanged' },
  },
  reopen: {
    triggered: { outcome: 'unchanged' },
    acknowledged: { outcome: 'invalid', reason: 'the incident is open; only a closed incident can be reopened' },
    closed: { outcome: 'changed', next: 'triggered' },
  },
};

export function transition(status: IncidentStatus, action: IncidentAction): TransitionResult {
  return TRANSITIONS[action][status] ?? { outcome: 'invalid', reason: `cannot ${action} a ${status} incident` };
}
