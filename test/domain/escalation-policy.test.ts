import {
  chooseRule,
  decideStep,
  escalationOnStatus,
  inTimeWindow,
  levelOfStep,
  localTime,
  ruleApplies,
  stillEscalating,
  totalSteps,
  type EscalationPolicy,
} from '../../src/domain/escalation-policy.js';

const level = (memberIds: number[], waitMinutes = 5) => ({ memberIds, notifyGroupChats: true, notifyDirect: true, waitMinutes });
const incident = { severity: 'warning' as const, title: 'CPU high on db-1', description: 'load 12' };

describe('localTime', () => {
  it('reads weekday and minute in the given zone', () => {
    // 2026-11-23 is a Monday; 23:30 UTC is Tuesday 07:30 in Shanghai.
    const at = new Date('2026-11-23T23:30:00Z');
    expect(localTime(at, 'UTC')).toEqual({ weekday: 1, minute: 23 * 60 + 30 });
    expect(localTime(at, 'Asia/Shanghai')).toEqual({ weekday: 2, minute: 7 * 60 + 30 });
  });
});

describe('inTimeWindow', () => {
  const workHours = { weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
  it.each([
    ['2026-11-23T09:00:00Z', true],
    ['2026-11-23T17:59:00Z', true],
    ['2026-11-23T18:00:00Z', false],
    ['2026-11-23T08:59:00Z', false],
    ['2026-11-22T12:00:00Z', false], // Sunday
  ])('work hours in UTC at %s → %s', (at, expected) => {
    expect(inTimeWindow(workHours, new Date(at), 'UTC')).toBe(expected);
  });

  it('applies the channel time zone', () => {
    // 02:00 UTC Monday is 10:00 Monday in Shanghai.
    expect(inTimeWindow(workHours, new Date('2026-11-23T02:00:00Z'), 'Asia/Shanghai')).toBe(true);
    expect(inTimeWindow(workHours, new Date('2026-11-23T02:00:00Z'), 'UTC')).toBe(false);
  });

  it('spans midnight when end is before start, counting the early hours to the previous day', () => {
    const nights = { weekdays: [5], start: '22:00', end: '06:00' }; // Friday night
    expect(inTimeWindow(nights, new Date('2026-11-27T23:00:00Z'), 'UTC')).toBe(true); // Fri 23:00
    expect(inTimeWindow(nights, new Date('2026-11-28T05:59:00Z'), 'UTC')).toBe(true); // Sat 05:59
    expect(inTimeWindow(nights, new Date('2026-11-28T06:00:00Z'), 'UTC')).toBe(false);
    expect(inTimeWindow(nights, new Date('2026-11-27T05:00:00Z'), 'UTC')).toBe(false); // Fri 05:00 belongs to Thursday
  });

  it('treats an end of 00:00 as the end of the day', () => {
    expect(inTimeWindow({ weekdays: [1], start: '20:00', end: '00:00' }, new Date('2026-11-23T23:59:00Z'), 'UTC')).toBe(true);
  });
});

describe('rule choice', () => {
  const rules = [
    { id: 1, filters: { severities: ['critical' as const] } },
    { id: 2, filters: { conditions: [{ field: 'title' as const, op: 'contains' as const, value: 'db-' }] } },
    { id: 3, filters: {} },
  ];
  it('takes the first rule whose filters all hold', () => {
    expect(chooseRule(rules, incident, new Date(), 'UTC')?.id).toBe(2);
    expect(chooseRule(rules, { ...incident, severity: 'critical' }, new Date(), 'UTC')?.id).toBe(1);
    expect(chooseRule(rules, { ...incident, title: 'disk full' }, new Date(), 'UTC')?.id).toBe(3);
    expect(chooseRule(rules.slice(0, 2), { ...incident, title: 'disk full' }, new Date(), 'UTC')).toBeUndefined();
  });

  it('combines severity, condition and time window', () => {
    const rule = { filters: { severities: ['warning' as const], conditions: [{ field: 'any' as const, op: 'regex' as const, value: 'load \\d+' }], timeWindow: { weekdays: [1], start: '00:00', end: '12:00' } } };
    expect(ruleApplies(rule, incident, new Date('2026-11-23T11:00:00Z'), 'UTC')).toBe(true);
    expect(ruleApplies(rule, incident, new Date('2026-11-23T13:00:00Z'), 'UTC')).toBe(false);
    expect(ruleApplies(rule, { ...incident, description: 'fine' }, new Date('2026-11-23T11:00:00Z'), 'UTC')).toBe(false);
  });
});

describe('steps', () => {
  const policy: EscalationPolicy = { ruleId: 1, ruleName: 'r', levels: [level([1]), level([2]), level([3])], repeat: 2, stopOn: 'acknowledged' };
  it('runs every level, repeat + 1 times', () => {
    expect(totalSteps(policy)).toBe(9);
    expect(levelOfStep(policy, 0)).toEqual({ level: 0, round: 0 });
    expect(levelOfStep(policy, 2)).toEqual({ level: 2, round: 0 });
    expect(levelOfStep(policy, 3)).toEqual({ level: 0, round: 1 });
    expect(levelOfStep(policy, 8)).toEqual({ level: 2, round: 2 });
  });

  it('stops on acknowledgement, or only on close when the rule says so', () => {
    expect(stillEscalating(policy, 'triggered')).toBe(true);
    expect(stillEscalating(policy, 'acknowledged')).toBe(false);
    expect(stillEscalating({ ...policy, stopOn: 'closed' }, 'acknowledged')).toBe(true);
    expect(stillEscalating({ ...policy, stopOn: 'closed' }, 'closed')).toBe(false);
  });
});

describe('taking a step', () => {
  const policy: EscalationPolicy = { ruleId: 1, ruleName: 'r', levels: [level([1], 2), level([2], 3)], repeat: 0, stopOn: 'acknowledged' };
  const now = new Date('2026-11-23T10:00:00Z');
  const incident = (status: 'triggered' | 'acknowledged' | 'closed', escalationStep: number, p: EscalationPolicy | null = policy) => ({
    status,
    escalationStep,
    escalationPolicy: p,
  });

  it('takes the next step and says when the one after it is due', () => {
    expect(decideStep(incident('triggered', 0), 0, false, now)).toEqual({ take: true, level: 0, round: 0, nextDueAt: new Date('2026-11-23T10:02:00Z') });
    expect(decideStep(incident('triggered', 1), 1, false, now)).toEqual({ take: true, level: 1, round: 0, nextDueAt: null });
  });

  it('refuses a step already taken, past the last one, or with no policy', () => {
    expect(decideStep(incident('triggered', 1), 0, false, now)).toEqual({ take: false, reason: 'step 0 was already taken' });
    expect(decideStep(incident('triggered', 2), 2, false, now)).toEqual({ take: false, reason: 'escalation finished' });
    expect(decideStep(incident('triggered', 0, null), 0, false, now)).toEqual({ take: false, reason: 'no escalation for this incident' });
    expect(decideStep(undefined, 0, false, now)).toEqual({ take: false, reason: 'no escalation for this incident' });
  });

  it('a timer stops at an acknowledged incident; a person may still escalate it, but never a closed one', () => {
    expect(decideStep(incident('acknowledged', 1), 1, false, now)).toEqual({ take: false, reason: 'incident is acknowledged', stopEscalating: true });
    expect(decideStep(incident('acknowledged', 0), 0, true, now)).toEqual({ take: true, level: 0, round: 0, nextDueAt: null });
    expect(decideStep(incident('closed', 1), 1, true, now)).toEqual({ take: false, reason: 'incident is closed' });
  });
});

describe('a status change and the pending step', () => {
  const policy: EscalationPolicy = { ruleId: 1, ruleName: 'r', levels: [level([1])], repeat: 0, stopOn: 'acknowledged' };
  const due = new Date('2026-11-23T10:00:00Z');

  it('drops the pending step at the status the rule stops at, and only then', () => {
    expect(escalationOnStatus({ escalationPolicy: policy, escalationDueAt: due }, 'acknowledged')).toEqual({ escalationDueAt: null });
    expect(escalationOnStatus({ escalationPolicy: policy, escalationDueAt: due }, 'closed')).toEqual({ escalationDueAt: null });
    expect(escalationOnStatus({ escalationPolicy: policy, escalationDueAt: due }, 'triggered')).toEqual({});
    expect(escalationOnStatus({ escalationPolicy: { ...policy, stopOn: 'closed' }, escalationDueAt: due }, 'acknowledged')).toEqual({});
    expect(escalationOnStatus({ escalationPolicy: { ...policy, stopOn: 'closed' }, escalationDueAt: due }, 'closed')).toEqual({ escalationDueAt: null });
    expect(escalationOnStatus({ escalationPolicy: null, escalationDueAt: null }, 'acknowledged')).toEqual({});
  });
});
