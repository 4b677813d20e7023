import { safeLinkUrl } from '../../domain/alert-links.js';
import type { Alert } from '../../db/entities/alert.entity.js';
import type { IncidentEvent } from '../../db/entities/incident-event.entity.js';
import { headOf, html } from '../../rendering/html-text.js';
import { relativeTime } from '../../rendering/relative-time.js';
import { zonedDateTime } from '../../rendering/zoned-time.js';
import { descriptionHtml } from '../../rendering/markdown-html.js';
import { SEVERITY_LABEL, STATUS_LABEL } from '../../rendering/incident-view.js';
import { actorLabel, detailLabel, TIMELINE_LABEL } from '../../rendering/timeline-labels.js';
import { totalSteps } from '../../domain/escalation-policy.js';
import type { IncidentDetails } from '../../services/incidents/incident-details.service.js';
import { DETAILS_PAGE_SCRIPT_PATH, DETAILS_PAGE_STYLE_PATH } from './details-page.assets.js';

/** What a phone shows of a description before "it goes on in the raw payload"; intake keeps up to 21,000. */
export const DESCRIPTION_SHOWN_CHARS = 10_000;
/** Of each alert's raw payload (a Feishu body is at most 20 KB). */
export const RAW_PAYLOAD_SHOWN_CHARS = 4_000;

export interface DetailsPageContext {
  now: Date;
  /** When the link stops working (the incident is closed); undefined while it is open. */
  linkExpiresAt?: Date;
  /** Present when the request is an admin's: the actions are shown, posting to the admin API. */
  admin?: { csrfToken?: string };
  apiPrefix: string;
}

function page(title: string, body: string, extraHead = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<link rel="stylesheet" href="${DETAILS_PAGE_STYLE_PATH}">${extraHead}
</head>
<body>
${body}
</body>
</html>
`;
}

/** The small page for a link that does not open (unknown, badly signed, expired). */
export function messagePage(heading: string, message: string): string {
  return page(html(heading), `<main class="message"><h1>${html(heading)}</h1><p>${html(message)}</p></main>`);
}

export function detailsPage(details: IncidentDetails, context: DetailsPageContext): string {
  const { incident } = details;
  const zone = details.channel?.timeZone ?? 'UTC';
  const when = (date: Date) => timeHtml(date, zone, context.now);
  const head = context.admin
    ? `\n<script src="${DETAILS_PAGE_SCRIPT_PATH}" defer></script>${context.admin.csrfToken ? `\n<meta name="csrf-token" content="${html(context.admin.csrfToken)}">` : ''}`
    : '';
  const body = `<main>
<header class="incident">
  <p class="badges"><span class="badge status-${incident.status}">${STATUS_LABEL[incident.status]}</span> <span class="badge severity-${incident.severity}">${SEVERITY_LABEL[incident.severity]}</span> <span class="id">#${incident.id}</span></p>
  <h1><bdi>${html(incident.title)}</bdi></h1>
</header>
${factsHtml(details, when)}
${context.admin ? actionsHtml(details, context.apiPrefix) : ''}
${linksHtml(details.alerts)}
${escalationHtml(details, when)}
${descriptionSection(incident.description, incident.descriptionFormat)}
${timelineHtml(details.timeline, details.timelineTotal, when)}
${alertsHtml(details.alerts, details.alertTotal, when)}
<footer><p>Times in ${html(zone)}.${context.linkExpiresAt ? ` This link stops working ${zonedDateTime(context.linkExpiresAt, zone)}, unless the incident is reopened.` : ''}</p></footer>
</main>`;
  return page(`#${incident.id} ${html(incident.title)}`, body, head);
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function timeHtml(date: Date, zone: string, now: Date): string {
  return `<time datetime="${date.toISOString()}">${html(zonedDateTime(date, zone))}</time> <span class="ago">(${relativeTime(date, now)})</span>`;
}

/** Names, each marked "(not reached)" when it is in `notReached`. */
const names = (list: string[], notReached: string[] = []) =>
  list.length
    ? list.map((name) => `<bdi>${html(name)}</bdi>${notReached.includes(name) ? ' <span class="not-reached">(not reached)</span>' : ''}`).join(', ')
    : '<span class="none">nobody yet</span>';

function factsHtml(details: IncidentDetails, when: (date: Date) => string): string {
  const { incident } = details;
  const rows: Array<[string, string]> = [
    ['Channel', details.channel ? `<bdi>${html(details.channel.name)}</bdi>` : `channel ${incident.channelId}`],
    ['Opened', when(incident.createdAt)],
  ];
  if (incident.acknowledgedAt) rows.push(['Acknowledged', when(incident.acknowledgedAt)]);
  if (incident.closedAt) rows.push(['Closed', when(incident.closedAt)]);
  rows.push(['Responders', names(details.responders.acted)], ['Paged', names(details.responders.paged, details.responders.notReached)]);
  if (details.chats.length) {
    rows.push([
      'Chat',
      details.chats
        .map((chat) => {
          const label = `<bdi>${html(chat.chatName)}</bdi> <span class="platform">${html(chat.platform)}</span>`;
          return chat.url ? `<a href="${html(chat.url)}" rel="noopener noreferrer">${label}</a>` : label;
        })
        .join('<br>'),
    ]);
  }
  return `<section aria-label="Summary"><dl class="facts">${rows.map(([name, value]) => `<dt>${name}</dt><dd>${value}</dd>`).join('')}</dl></section>`;
}

function actionsHtml(details: IncidentDetails, apiPrefix: string): string {
  const { incident } = details;
  const action = (name: string, label: string, body: Record<string, unknown> = {}) =>
    `<form method="post" action="${apiPrefix}/incidents/${incident.id}/${name}" data-body="${html(JSON.stringify(body))}"><button type="submit">${label}</button></form>`;
  const buttons = [
    incident.status === 'triggered' ? action('acknowledge', 'Acknowledge') : '',
    incident.status !== 'closed' ? action('close', 'Close') : action('reopen', 'Reopen'),
    incident.status !== 'closed' && incident.escalationPolicy && incident.escalationStep < totalSteps(incident.escalationPolicy)
      ? action('escalate', 'Escalate', { step: incident.escalationStep })
      : '',
  ].filter(Boolean);
  return `<section class="actions" aria-label="Actions">${buttons.join('')}<p class="action-result" role="status" aria-live="polite"></p></section>`;
}

function linksHtml(alerts: Alert[]): string {
  const seen = new Set<string>();
  const links = alerts.flatMap((alert) => alert.links ?? []).filter((link) => safeLinkUrl(link.url) && !seen.has(link.url) && seen.add(link.url));
  if (!links.length) return '';
  return `<section aria-label="Links"><ul class="links">${links
    .map((link) => `<li><a class="button" href="${html(link.url)}" rel="noopener noreferrer nofollow" target="_blank"><bdi>${html(link.text)}</bdi></a></li>`)
    .join('')}</ul></section>`;
}

function escalationHtml(details: IncidentDetails, when: (date: Date) => string): string {
  const escalation = details.escalation;
  if (!escalation) return '';
  const level = escalation.level === 0 ? 'not paged yet' : `level ${escalation.level} of ${escalation.levels}`;
  const next = escalation.nextDueAt ? when(escalation.nextDueAt) : details.incident.status === 'closed' ? 'none (closed)' : 'none';
  return `<section aria-labelledby="escalation-heading"><h2 id="escalation-heading">Escalation</h2><dl class="facts">
<dt>Rule</dt><dd><bdi>${html(escalation.ruleName)}</bdi></dd>
<dt>Level</dt><dd>${level}</dd>
<dt>Last paged</dt><dd>${names(escalation.paged, escalation.notReached)}</dd>
<dt>Next page</dt><dd>${next}</dd>
</dl></section>`;
}

function descriptionSection(description: string, format: IncidentDetails['incident']['descriptionFormat']): string {
  if (!description.trim()) return '';
  const shown = headOf(description, DESCRIPTION_SHOWN_CHARS);
  const note = shown.cut ? `<p class="note">Cut at ${DESCRIPTION_SHOWN_CHARS.toLocaleString('en-US')} characters: the whole text is in the alerts' raw payloads below.</p>` : '';
  return `<section aria-labelledby="description-heading"><h2 id="description-heading">Description</h2><div class="description" dir="auto" tabindex="0">${descriptionHtml(shown.text, format)}</div>${note}</section>`;
}

function timelineHtml(timeline: IncidentEvent[], total: number, when: (date: Date) => string): string {
  const older = total - timeline.length;
  const items = [...timeline]
    .reverse()
    .map((entry) => {
      const detail = detailLabel(entry.kind, entry.detail);
      return `<li class="kind-${entry.kind}"><span class="what">${TIMELINE_LABEL[entry.kind] ?? html(entry.kind)}</span> by <bdi>${html(actorLabel(entry.actorType, entry.actorName))}</bdi>${detail ? `<br><span class="detail"><bdi>${html(detail)}</bdi></span>` : ''}<br>${when(entry.createdAt)}</li>`;
    })
    .join('');
  return `<section aria-labelledby="timeline-heading"><h2 id="timeline-heading">Timeline <span class="count">newest first</span></h2><ol class="timeline">${items}</ol>${older > 0 ? `<p class="note">${older} older entries not shown.</p>` : ''}</section>`;
}

function alertsHtml(alerts: Alert[], total: number, when: (date: Date) => string): string {
  const items = alerts
    .map((alert) => {
      const raw = headOf(alert.rawPayload, RAW_PAYLOAD_SHOWN_CHARS);
      return `<li><p><span class="badge alert-${alert.status}">${alert.status === 'firing' ? 'Firing' : 'Resolved'}</span> <bdi>${html(alert.title)}</bdi></p>
<p class="meta">${plural(alert.eventCount, 'event')} · first ${when(alert.firstSeenAt)} · last ${when(alert.lastSeenAt)}<br>key <code><bdi>${html(alert.alertKey)}</bdi></code></p>
<details><summary>Raw payload</summary><pre>${html(raw.text)}${raw.cut ? '\n…' : ''}</pre></details></li>`;
    })
    .join('');
  const more = total - alerts.length;
  return `<section aria-labelledby="alerts-heading"><h2 id="alerts-heading">Alerts <span class="count">${plural(total, 'alert')}, ${plural(alerts.reduce((sum, alert) => sum + alert.eventCount, 0), 'event')}${more > 0 ? ' shown of the newest' : ''}</span></h2><ul class="alerts">${items}</ul>${more > 0 ? `<p class="note">${more} older alerts not shown.</p>` : ''}</section>`;
}
