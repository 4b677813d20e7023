import type { IncidentView } from '../../src/rendering/incident-view.js';

const KB = 1024;

/** `sample` repeated to at least `bytes` bytes. */
export const repeatTo = (sample: string, bytes: number) => sample.repeat(Math.ceil(bytes / Buffer.byteLength(sample)));

/** An incident view whose every text is 100 KB of `sample` (and 500 people with long names): what no renderer may trust to be short. */
export function oversizeView(sample: string): IncidentView {
  const hostile = (bytes: number) => repeatTo(sample, bytes);
  const names = (count: number) => Array.from({ length: count }, (_, i) => `${i} ${hostile(200)}`);
  const at = new Date('2026-12-05T21:00:00Z');
  return {
    id: 4242,
    title: hostile(100 * KB),
    status: 'acknowledged',
    severity: 'critical',
    channelName: hostile(100 * KB),
    timeZone: 'Asia/Shanghai',
    alertCount: 1,
    eventCount: 1,
    firstSeenAt: at,
    lastSeenAt: at,
    description: hostile(100 * KB),
    descriptionFormat: 'text',
    acknowledged: { by: hostile(100 * KB), at },
    responders: names(500).map((name, index) => ({ name, role: index % 2 ? 'paged' : 'acknowledged' })),
    recentActivity: [hostile(100 * KB), hostile(100 * KB), hostile(100 * KB)].map((text) => ({ at, text })),
    detailsUrl: 'http://oncall.test/incidents/4242',
    escalationStep: 1,
    escalation: { ruleName: hostile(100 * KB), level: 1, levels: 2, paged: names(500), notReached: names(500).filter((_, index) => index % 2 === 1), nextDueAt: at },
  };
}
