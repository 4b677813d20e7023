import { transition, type IncidentAction, type IncidentStatus, type TransitionResult } from '../../src/domain/incident-status.js';

const TABLE: Array<[IncidentAction, IncidentStatus, TransitionResult['outcome'], IncidentStatus | undefined]> = [
  ['acknowledge', 'triggered', 'changed', 'acknowledged'],
  ['acknowledge', 'acknowledged', 'unchanged', undefined],
  ['acknowledge', 'closed', 'invalid', undefined],
  ['close', 'triggered', 'changed', 'closed'],
  ['close', 'acknowledged', 'changed', 'closed'],
  ['close', 'closed', 'unchanged', undefined],
  ['reopen', 'triggered', 'unchanged', undefined],
  ['reopen', 'acknowledged', 'invalid', undefined],
  ['reopen', 'closed', 'changed', 'triggered'],
];

describe('transition', () => {
  it('the table covers every action x status', () => {
    const actions: IncidentAction[] = ['acknowledge', 'close', 'reopen'];
    const statuses: IncidentStatus[] = ['triggered', 'acknowledged', 'closed'];
    const covered = new Set(TABLE.map(([a, s]) => `${a}/${s}`));
    for (const a of actions) for (const s of statuses) expect(covered.has(`${a}/${s}`)).toBe(true);
    expect(TABLE).toHaveLength(9);
  });

  it.each(TABLE)('%s on %s -> %s %s', (action, status, outcome, next) => {
    const result = transition(status, action);
    expect(result.outcome).toBe(outcome);
    if (outcome === 'changed') expect(result).toEqual({ outcome: 'changed', next });
    if (outcome === 'unchanged') expect(result).toEqual({ outcome: 'unchanged' });
    if (outcome === 'invalid') {
      expect(result.outcome === 'invalid' && result.reason.length > 0).toBe(true);
    }
  });

  it.each([
    ['acknowledge', 'closed', /closed.*reopen/],
    ['reopen', 'acknowledged', /only a closed incident can be reopened/],
  ] as const)('%s on %s explains why', (action, status, reason) => {
    const result = transition(status, action);
    expect(result.outcome).toBe('invalid');
    if (result.outcome === 'invalid') expect(result.reason).toMatch(reason);
  });

  it('falls back to a generic invalid result for an unknown status', () => {
    expect(transition('snoozed' as IncidentStatus, 'close')).toEqual({ outcome: 'invalid', reason: 'cannot close a snoozed incident' });
  });
});
