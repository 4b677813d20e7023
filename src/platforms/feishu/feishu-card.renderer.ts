import type { IncidentStatus, Severity } from '../../domain/incident-status.js';
import { loadCardTemplate, fillTemplate } from '../../rendering/card-templates.js';
import { excerpt, formatTime, SEVERITY_LABEL, STATUS_LABEL, type IncidentView } from '../../rendering/incident-view.js';

type Card = Record<string, any>;

const HEADER_COLOR: Record<IncidentStatus, Record<Severity, string>> = {
  triggered: { critical: 'red', warning: 'orange', info: 'blue' },
  acknowledged: { critical: 'yellow', warning: 'yellow', info: 'yellow' },
  closed: { critical: 'green', warning: 'green', info: 'green' },
};
const STATUS_COLOR: Record<IncidentStatus, string> = { triggered: 'red', acknowledged: 'orange', closed: 'green' };
const SEVERITY_COLOR: Record<Severity, string> = { critical: 'carmine', warning: 'orange', info: 'blue' };

/** Alert text is untrusted: keep it from forming Feishu `<at>` mentions or other tags inside card markdown. */
export function escapeCardMarkdown(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function statusLine(view: IncidentView): string {
  if (view.closed) return `Closed by **${escapeCardMarkdown(view.closed.by)}** at ${formatTime(view.closed.at)}`;
  if (view.acknowledged) return `Acknowledged by **${escapeCardMarkdown(view.acknowledged.by)}** at ${formatTime(view.acknowledged.at)}`;
  return 'Waiting for someone to acknowledge';
}

function escalationLine(view: IncidentView): string | undefined {
  const escalation = view.escalation;
  if (!escalation || view.status === 'closed') return undefined;
  const paged = escalation.level > 0 ? `level ${escalation.level}/${escalation.levels} paged ${escapeCardMarkdown(escalation.paged.join(', ') || 'nobody')}` : 'not paged yet';
  const next = escalation.nextDueAt ? ` · next level at ${formatTime(escalation.nextDueAt)}` : '';
  return `Escalation (${escapeCardMarkdown(escalation.ruleName)}): ${paged}${next}`;
}

/** The incident as Feishu Card JSON 2.0, from cards/feishu/*.json. */
export function renderFeishuIncidentCard(view: IncidentView): Card {
  const description = view.description.trim()
    ? escapeCardMarkdown(excerpt(view.description, 800))
    : '_No description_';
  const activity = [statusLine(view), escalationLine(view), ...view.recentActivity.slice(-3).map(escapeCardMarkdown)].filter(Boolean).join('\n');
  const values = {
    id: view.id,
    title: excerpt(view.title, 200),
    channelName: view.channelName,
    headerColor: HEADER_COLOR[view.status][view.severity],
    statusLabel: STATUS_LABEL[view.status],
    statusColor: STATUS_COLOR[view.status],
    severityLabel: SEVERITY_LABEL[view.severity],
    severityColor: SEVERITY_COLOR[view.severity],
    alertCount: view.alertCount,
    firstSeen: formatTime(view.firstSeenAt),
    lastSeen: formatTime(view.lastSeenAt),
    description,
    responders: view.responders.length ? view.responders.map(escapeCardMarkdown).join(', ') : '—',
    activity,
    detailsUrl: view.detailsUrl,
    ackDisabled: view.status !== 'triggered',
  };
  const card = fillTemplate(loadCardTemplate('feishu/incident.json') as Card, values);
  const actions = fillTemplate(
    loadCardTemplate(view.status === 'closed' ? 'feishu/actions-closed.json' : 'feishu/actions-open.json') as Card[],
    values,
  );
  card.body.elements = (card.body.elements as Card[]).flatMap((element) => (element.tag === '__actions__' ? actions : [element]));
  return card;
}
