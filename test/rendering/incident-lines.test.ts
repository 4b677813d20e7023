/**
 * The card lines every IM's renderer shares, through a markup with no time syntax of its own (as a platform without
 * reader-local times gets them): times in the channel's zone with its abbreviation, counts in words, responders
 * escaped and capped. Feishu's and Slack's time markup are checked end to end in test/platforms.
 */
import { activityLines, countsText, respondersText, timeText, type Markup } from '../../src/rendering/incident-lines.js';
import type { IncidentView } from '../../src/rendering/incident-view.js';

const HTML_LIKE: Markup = {
  escape: (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  bold: (text) => `**${text}**`,
};

function view(fields: Partial<IncidentView> = {}): IncidentView {
  const at = new Date('2026-12-05T06:05:00Z');
  return {
    id: 7,
    title: 'Disk full',
    status: 'acknowledged',
    severity: 'critical',
    channelName: 'sre',
    timeZone: 'Asia/Shanghai',
    alertCount: 3,
    eventCount: 10,
    firstSeenAt: at,
    lastSeenAt: at,
    description: '',
    descriptionFormat: 'text',
    acknowledged: { by: 'Ann', at },
    responders: [],
    recentActivity: [
      { at: new Date('2026-12-05T06:00:00Z'), text: 'Triggered by grafana' },
      { at, text: 'Acknowledged by <at user_id="all">Ann</at>' },
    ],
    detailsUrl: 'http://oncall.test/incidents/7',
    escalationStep: 1,
    escalation: { ruleName: 'default', level: 1, levels: 2, paged: ['Ann'], notReached: [], nextDueAt: new Date('2026-12-05T06:35:00Z') },
    ...fields,
  };
}

describe('shared card lines', () => {
  it('count alerts and events apart, in words', () => {
    expect(countsText(view())).toBe('3 alerts, 10 events');
    expect(countsText(view({ alertCount: 1, eventCount: 1 }))).toBe('1 alert, 1 event');
    expect(countsText(view({ alertCount: 0, eventCount: 0 }))).toBe('0 alerts, 0 events');
  });

  it('write every time in the channel’s zone with its abbreviation when the platform has no time markup of its own', () => {
    expect(timeText(view(), new Date('2026-12-05T06:05:00Z'), 'datetime', HTML_LIKE)).toBe('2026-12-05 14:05 CST');
    expect(activityLines(view(), HTML_LIKE).split('\n')).toEqual([
      'Acknowledged by **Ann** at 2026-12-05 14:05 CST',
      'Escalation (default): level 1/2 paged Ann · next level at 14:35 CST',
      '14:00 CST Triggered by grafana',
      '14:05 CST Acknowledged by &lt;at user_id="all"&gt;Ann&lt;/at&gt;',
    ]);
    expect(activityLines(view({ timeZone: 'UTC' }), HTML_LIKE)).toContain('06:00 UTC Triggered by grafana');
  });

  it('hand the platform’s time markup the instant and the channel-zone text as its fallback', () => {
    const calls: unknown[] = [];
    const withTimes: Markup = { ...HTML_LIKE, time: (at, style, fallback) => (calls.push([at.toISOString(), style, fallback]), `<t ${style}>`) };
    expect(activityLines(view(), withTimes)).toContain('<t time> Triggered by grafana');
    expect(calls).toContainEqual(['2026-12-05T06:00:00.000Z', 'time', '14:00 CST']);
    expect(calls).toContainEqual(['2026-12-05T06:05:00.000Z', 'datetime', '2026-12-05 14:05 CST']);
  });

  it('list responders with what they did, escaped, each name capped, a long list ending in “and N more”', () => {
    expect(respondersText(view(), HTML_LIKE)).toBe('—');
    expect(
      respondersText(
        view({
          responders: [
            { name: 'Ann', role: 'acknowledged' },
            { name: '<!channel> & <at user_id="all">', role: 'paged' },
          ],
        }),
        HTML_LIKE,
      ),
    ).toBe('Ann (acknowledged), &lt;!channel&gt; &amp; &lt;at user_id="all"&gt; (paged)');

    const many = Array.from({ length: 60 }, (_, i) => ({ name: `Person ${i} ${'x'.repeat(20)}`, role: 'paged' as const }));
    const listed = respondersText(view({ responders: many }), HTML_LIKE);
    expect(listed.length).toBeLessThanOrEqual(420);
    const [, shown, more] = /^(.*) and (\d+) more$/.exec(listed)!;
    expect(shown.split(', ').length + Number(more)).toBe(60);

    const huge = respondersText(view({ responders: [{ name: '<'.repeat(5000), role: 'paged' }] }), HTML_LIKE);
    expect(huge.length).toBeLessThanOrEqual(420);
    expect(huge).toMatch(/^(&lt;)+… \(paged\)$/);
  });

  it('say “(not reached)” for someone paged whom no page reached, escaping the name as for “(paged)”; the escalation line too', () => {
    const responders = [
      { name: 'Ann', role: 'acknowledged' as const },
      { name: 'Bob <at user_id="all">', role: 'not_reached' as const },
      { name: 'Cy & co', role: 'paged' as const },
    ];
    expect(respondersText(view({ responders }), HTML_LIKE)).toBe('Ann (acknowledged), Bob &lt;at user_id="all"&gt; (not reached), Cy &amp; co (paged)');
    const huge = respondersText(view({ responders: [{ name: '<'.repeat(5000), role: 'not_reached' }] }), HTML_LIKE);
    expect(huge.length).toBeLessThanOrEqual(420);
    expect(huge).toMatch(/^(&lt;)+… \(not reached\)$/);

    const escalation = { ruleName: 'default', level: 1, levels: 2, paged: ['Bob <b>', 'Cy'], notReached: ['Bob <b>'] };
    expect(activityLines(view({ acknowledged: undefined, status: 'triggered', escalation }), HTML_LIKE).split('\n')[1]).toBe(
      'Escalation (default): level 1/2 paged Bob &lt;b&gt; (not reached), Cy',
    );
  });
});
