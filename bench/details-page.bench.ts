/**
 * Details page benchmark: what rendering the biggest page intake can produce costs the event loop, and its size.
 *
 *   npm run bench:details-page
 *
 * Environment (optional): BENCH_RUNS   timed renders per figure (default 20)
 *
 * The worst page: a 21,000-character markdown description (the most intake keeps) full of links, emphasis, code and
 * hostile HTML; the newest 300 timeline entries; 50 alerts each with a 20 KB raw payload and card links. Prints the
 * median and worst render time and the HTML size, for a markdown and a plain-text description, and exits 0.
 */
import { performance } from 'node:perf_hooks';
import type { Alert } from '../src/db/entities/alert.entity.js';
import type { IncidentEvent } from '../src/db/entities/incident-event.entity.js';
import type { Incident } from '../src/db/entities/incident.entity.js';
import type { MessageFormat } from '../src/domain/integration-settings.js';
import { detailsPage } from '../src/http/details-page/details-page.html.js';
import { DETAILS_ALERT_LIMIT, DETAILS_TIMELINE_LIMIT, type IncidentDetails } from '../src/services/incidents/incident-details.service.js';
import { f1, intEnv } from './bench-support.js';

const RUNS = intEnv('BENCH_RUNS', 20, 1, 1000);
const HOSTILE = '<script>alert(1)</script> &amp; \u202Eevil\u202C [x](javascript:alert(1)) ';

function description(): string {
  const block = `## Section\n**p99** is _high_ on \`api-7\`: see [runbook](https://runbooks.example/a?b=1&c=2) and https://grafana.example/d/1\n\n- item ${HOSTILE}\n\n\`\`\`\nload 12.5\n\`\`\`\n\n`;
  return block.repeat(Math.ceil(21_000 / block.length)).slice(0, 21_000);
}

function details(format: MessageFormat): IncidentDetails {
  const now = new Date();
  const incident = {
    id: 4242, channelId: 1, title: `CPU high ${HOSTILE}`.slice(0, 512), description: description(), descriptionFormat: format, severity: 'critical', status: 'acknowledged',
    alertCount: DETAILS_ALERT_LIMIT, acknowledgedAt: now, acknowledgedBy: 1, closedAt: null, closedBy: null,
    escalationPolicy: { ruleId: 1, ruleName: 'Primary', levels: [{ memberIds: [1], notifyGroupChats: true, notifyDirect: true, waitMinutes: 5 }], repeat: 2, stopOn: 'acknowledged' },
    escalationStep: 1, escalationDueAt: null, escalationPaged: ['Alice'], pagedResponders: ['Alice', 'Bob'], pagedReach: { Alice: 'reached', Bob: 'not_reached' }, escalationCheckedAt: now, escalationUndelivered: null, escalationRedeliverAt: null, escalationRetries: null,
    createdAt: now, updatedAt: now,
  } satisfies Incident;
  const payload = JSON.stringify({ msg_type: 'text', content: { text: `${HOSTILE}${'x'.repeat(20_000)}` } }).slice(0, 20_480);
  const alerts: Alert[] = Array.from({ length: DETAILS_ALERT_LIMIT }, (_, index) => ({
    id: index + 1, integrationId: 1, incidentId: 4242, alertKey: `key-${index} ${HOSTILE}`, openKeyHash: null, title: `alert ${index} ${HOSTILE}`, description: '', descriptionFormat: format,
    severity: 'critical', status: index % 2 ? 'firing' : 'resolved', eventCount: index + 1, firstSeenAt: now, lastSeenAt: now, resolvedAt: null, rawPayload: payload,
    links: [{ text: `Open ${index}`, url: `https://grafana.example/d/${index}` }],
  }));
  const kinds = ['alert_updated', 'escalated', 'acknowledged', 'not_reached'] as const;
  const timeline: IncidentEvent[] = Array.from({ length: DETAILS_TIMELINE_LIMIT }, (_, index) => ({
    id: index + 1, incidentId: 4242, kind: kinds[index % kinds.length], actorType: 'member', actorId: 1, actorName: `Alice ${HOSTILE}`.slice(0, 100),
    detail: { level: 1, round: 1, paged: 'Alice, Bob', rule: 'Primary' }, createdAt: new Date(now.getTime() - index * 60_000),
  }));
  return {
    incident, channel: { id: 1, name: 'payments', timeZone: 'Asia/Shanghai' }, alerts, alertTotal: 500, timeline, timelineTotal: 1000,
    chats: [{ platform: 'feishu', chatName: 'payments room', url: 'https://applink.feishu.cn/client/chat/open?openChatId=oc_1', hasCard: true }],
    responders: { acted: ['Alice'], paged: ['Alice', 'Bob'], notReached: ['Bob'] },
    escalation: { ruleName: 'Primary', level: 1, levels: 1, paged: ['Alice'], notReached: [] },
  };
}

for (const format of ['markdown', 'text'] as const) {
  const input = details(format);
  const context = { now: new Date(), admin: { csrfToken: 'token' }, apiPrefix: '/api/v1' };
  let html = detailsPage(input, context);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    html = detailsPage(input, context);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(
    `details page, ${format} description: median ${f1(times[Math.floor(times.length / 2)])} ms, worst ${f1(times[times.length - 1])} ms over ${RUNS} renders; ${f1(Buffer.byteLength(html) / 1024)} KiB of HTML`,
  );
}
