import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { SeverityBadge, StatusBadge, TIMELINE_LABEL, Time } from '../format.js';
import { useIncidentEvents } from '../live.js';
import { useLoad } from '../use-load.js';

const ACTIONS = {
  triggered: [['acknowledge', 'Acknowledge'], ['escalate', 'Escalate'], ['close', 'Close']],
  acknowledged: [['escalate', 'Escalate'], ['close', 'Close']],
  closed: [['reopen', 'Reopen']],
};

/** Names, each marked "(not reached)" when no page got through to them. */
function PagedNames({ people }) {
  if (!people.length) return '—';
  return people.map(({ name, reach }, index) => html`${index > 0 ? ', ' : ''}<bdi>${name}</bdi>${reach === 'not_reached' ? html` <span class="not-reached">(not reached)</span>` : ''}`);
}

/** What a not_reached or reached entry says about whom: `not reached: Bob`. */
function reachDetail(entry) {
  const members = entry.detail?.members;
  if (!members || (entry.kind !== 'not_reached' && entry.kind !== 'reached')) return '';
  return entry.kind === 'reached' ? `reached ${members}` : `not reached: ${members}`;
}

function EscalationState({ escalation, acted }) {
  if (!escalation) return html`<p class="muted">No escalation rule applies to this incident.</p>`;
  return html`<dl class="facts">
    <dt>Rule</dt><dd>${escalation.ruleName}</dd>
    <dt>Level</dt><dd>${escalation.level === 0 ? 'not paged yet' : `${escalation.level} of ${escalation.levels}`}</dd>
    <dt>Paged</dt><dd><${PagedNames} people=${escalation.paged.map((name) => ({ name, reach: escalation.notReached?.includes(name) && !acted.has(name) ? 'not_reached' : 'unknown' }))} /></dd>
    <dt>Next due</dt><dd><${Time} value=${escalation.nextDueAt} /></dd>
  </dl>`;
}

function prettyPayload(raw) {
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

export function IncidentPage({ id }) {
  const detail = useLoad(() => api.get(`/incidents/${id}`), [id]);
  const channels = useLoad(() => api.get('/channels'), []);
  const [action, setAction] = useState({ busy: '', message: '', error: null });
  useIncidentEvents(() => detail.reload(), (change) => String(change.incidentId) === String(id));
  const act = async (name, label) => {
    setAction({ busy: name, message: '', error: null });
    try {
      const answer = await api.post(`/incidents/${id}/${name}`, {});
      // Escalate answers 200 with outcome "skipped" and the reason when there was nobody left to page.
      const message = answer?.outcome === 'skipped' ? `Not escalated: ${answer.reason}.` : answer?.outcome === 'paged' ? `Escalated to level ${answer.level}: paging ${answer.paged.join(', ') || 'nobody'}.` : `${label}: done.`;
      setAction({ busy: '', message, error: null });
    } catch (error) {
      setAction({ busy: '', message: '', error });
    }
    detail.reload();
  };
  if (detail.error && !detail.data) return html`<section class="page"><div class="form-error" role="alert">${detail.error.message}</div><a href="#/incidents">Back to incidents</a></section>`;
  if (!detail.data) return html`<p class="loading" role="status">Loading…</p>`;
  const { incident, alerts, timeline } = detail.data;
  const channel = channels.data?.items.find((candidate) => candidate.id === incident.channelId);
  // Someone who acted on the incident got word of it, whatever became of their pages (as on the cards).
  const acted = new Set(timeline.filter((entry) => entry.actorType === 'member').map((entry) => entry.actorName));
  const paged = (incident.pagedResponders ?? []).map((person) => (acted.has(person.name) ? { ...person, reach: 'reached' } : person));
  return html`<section class="page incident">
    <p class="crumbs"><a href="#/incidents">Incidents</a> / #${incident.id}</p>
    <div class="page-head">
      <h1>${incident.title}</h1>
      <div class="badges"><${StatusBadge} status=${incident.status} /> <${SeverityBadge} severity=${incident.severity} /></div>
    </div>
    <div class="actions" role="group" aria-label="Incident actions">
      ${(ACTIONS[incident.status] ?? []).map(([name, label]) => html`<button type="button" class=${name === 'acknowledge' ? 'primary' : ''}
        disabled=${Boolean(action.busy)} onClick=${() => act(name, label)}>${action.busy === name ? `${label}…` : label}</button>`)}
    </div>
    ${action.message && html`<p class="done" role="status">${action.message}</p>`}
    ${action.error && html`<div class="form-error" role="alert">${action.error.message}</div>`}
    <div class="columns">
      <div>
        <h2>Summary</h2>
        <dl class="facts">
          <dt>Channel</dt><dd>${channel ? html`<a href=${`#/channels/${channel.id}`}>${channel.name}</a>` : `#${incident.channelId}`}</dd>
          <dt>Opened</dt><dd><${Time} value=${incident.createdAt} /></dd>
          <dt>Acknowledged</dt><dd><${Time} value=${incident.acknowledgedAt} /></dd>
          <dt>Closed</dt><dd><${Time} value=${incident.closedAt} /></dd>
          <dt>Alerts</dt><dd>${incident.alertCount}</dd>
          <dt>Paged</dt><dd><${PagedNames} people=${paged} /></dd>
        </dl>
        <h2>Description</h2>
        <pre class="description">${incident.description || '—'}</pre>
      </div>
      <div>
        <h2>Escalation</h2>
        <${EscalationState} escalation=${incident.escalation} acted=${acted} />
        <h2>Timeline</h2>
        <ol class="timeline">${timeline.map((entry) => html`<li key=${entry.id}>
          <span class="kind">${TIMELINE_LABEL[entry.kind] ?? entry.kind}</span> · ${entry.actorName}
          ${reachDetail(entry) && html`<div class=${entry.kind === 'not_reached' ? 'not-reached' : ''}>${reachDetail(entry)}</div>`}
          <div class="muted"><${Time} value=${entry.createdAt} /></div>
        </li>`)}</ol>
      </div>
    </div>
    <h2>Alerts</h2>
    <ul class="alerts">${alerts.map((alert) => html`<li key=${alert.id}>
      <div><strong>${alert.title}</strong> <span class="badge">${alert.status}</span> <${SeverityBadge} severity=${alert.severity} /> ×${alert.eventCount}</div>
      <div class="muted">Key ${alert.alertKey} · last <${Time} value=${alert.lastSeenAt} /></div>
      <details><summary>Raw payload</summary><pre class="payload">${prettyPayload(alert.rawPayload)}</pre></details>
    </li>`)}</ul>
  </section>`;
}
