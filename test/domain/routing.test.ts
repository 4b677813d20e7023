import { routeMessage } from '../../src/domain/routing.js';
import type { InboundMessage, RoutingRule } from '../../src/domain/integration-settings.js';

const DEFAULT_CHANNEL = 1;

const routes: RoutingRule[] = [
  { channelId: 10, conditions: [{ field: 'title', op: 'contains', value: 'payment' }] },
  {
    channelId: 20,
    conditions: [
      { field: 'content', op: 'regex', value: '/severity: critical/i' },
      { field: 'any', op: 'contains', value: 'prod' },
    ],
  },
  { channelId: 30, conditions: [{ field: 'any', op: 'regex', value: '^db-\\d+' }] },
  // Would also match payment messages, but comes after route 10.
  { channelId: 40, conditions: [{ field: 'title', op: 'regex', value: 'pay' }] },
];

const msg = (title: string, content = ''): InboundMessage => ({ title, content });

describe('routeMessage', () => {
  it.each<[string, InboundMessage, number]>([
    ['first route', msg('payment failures'), 10],
    ['first match wins over a later matching route', msg('payment prod', 'Severity: CRITICAL'), 10],
    ['all conditions of the second route hold', msg('api prod', 'severity: Critical'), 20],
    ['one condition of a route fails -> next route', msg('api staging', 'severity: critical'), DEFAULT_CHANNEL],
    ['regex on any (title)', msg('db-3 slow'), 30],
    ['regex on any does not anchor content without m', msg('slow', 'db-3'), DEFAULT_CHANNEL],
    ['later route', msg('paycheck'), 40],
    ['no route matches -> default', msg('cpu high', 'web-1'), DEFAULT_CHANNEL],
  ])('%s', (_name, message, channelId) => {
    expect(routeMessage(routes, DEFAULT_CHANNEL, message)).toBe(channelId);
  });

  it('uses the default channel when there are no routes', () => {
    expect(routeMessage([], 7, msg('anything'))).toBe(7);
  });

  it('a route without conditions catches everything that reaches it', () => {
    const catchAll: RoutingRule[] = [
      { channelId: 5, conditions: [{ field: 'title', op: 'contains', value: 'x' }] },
      { channelId: 6, conditions: [] },
    ];
    expect(routeMessage(catchAll, 1, msg('x'))).toBe(5);
    expect(routeMessage(catchAll, 1, msg('y'))).toBe(6);
  });

  it('skips a saved route whose regex RE2 cannot run, instead of failing the message', () => {
    const broken: RoutingRule[] = [
      { channelId: 5, conditions: [{ field: 'title', op: 'contains', value: 'ok' }] },
      { channelId: 6, conditions: [{ field: 'title', op: 'regex', value: '(' }] },
      { channelId: 7, conditions: [{ field: 'title', op: 'regex', value: '(o)\\1' }] },
    ];
    expect(routeMessage(broken, 1, msg('ok'))).toBe(5);
    expect(routeMessage(broken, 1, msg('oo'))).toBe(1);
  });
});
