import type Router from '@koa/router';
import { idParam } from './json-body.js';
import type { IncidentLinks } from '../services/incidents/incident-links.js';
import type { IncidentService } from '../services/incidents/incident.service.js';
import { formatTime, SEVERITY_LABEL, STATUS_LABEL } from '../rendering/incident-view.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** The read-only page a card's "Details" button opens; the signed link is the only way in. */
export function registerIncidentPage(router: Router, incidents: IncidentService, links: IncidentLinks): void {
  router.get('/incidents/:id', async (ctx) => {
    const id = idParam.safeParse(ctx.params.id);
    const signature = typeof ctx.query.sig === 'string' ? ctx.query.sig : '';
    if (!id.success || !links.verify(id.data, signature)) {
      ctx.status = 404;
      ctx.body = 'Not found';
      return;
    }
    const { incident, alerts, timeline } = await incidents.get(id.data);
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>#${incident.id} ${escapeHtml(incident.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}td{padding:2px 12px 2px 0;vertical-align:top}</style></head><body>
<h1>#${incident.id} ${escapeHtml(incident.title)}</h1>
<p><b>${STATUS_LABEL[incident.status]}</b> · ${SEVERITY_LABEL[incident.severity]} · ${alerts.length} alert(s) · opened ${formatTime(incident.createdAt)}</p>
<pre>${escapeHtml(incident.description)}</pre>
<h2>Timeline</h2><table>${timeline
      .map((entry) => `<tr><td>${formatTime(entry.createdAt)}</td><td>${escapeHtml(entry.kind)}</td><td>${escapeHtml(entry.actorName)}</td></tr>`)
      .join('')}</table>
<h2>Alerts</h2><table>${alerts
      .map((alert) => `<tr><td>${escapeHtml(alert.status)}</td><td>${escapeHtml(alert.title)}</td><td>×${alert.eventCount}</td><td>last ${formatTime(alert.lastSeenAt)}</td></tr>`)
      .join('')}</table></body></html>`;
  });
}
