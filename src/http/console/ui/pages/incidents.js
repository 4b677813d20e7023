import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { SelectField, TextField } from '../forms.js';
import { SeverityBadge, StatusBadge, Time } from '../format.js';
import { useIncidentEvents } from '../live.js';
import { useLoad } from '../use-load.js';

const STATUS_OPTIONS = [
  ['triggered,acknowledged', 'Open (triggered or acknowledged)'],
  ['triggered', 'Triggered'],
  ['acknowledged', 'Acknowledged'],
  ['closed', 'Closed'],
  ['', 'Any status'],
];
const SEVERITY_OPTIONS = [['', 'Any severity'], ['critical', 'Critical'], ['warning', 'Warning'], ['info', 'Info']];

function listPath(filters, before) {
  const query = new URLSearchParams();
  if (filters.status) query.set('status', filters.status);
  if (filters.channelId) query.set('channelId', filters.channelId);
  if (filters.severity) query.set('severity', filters.severity);
  if (filters.since) query.set('since', new Date(filters.since).toISOString());
  if (filters.until) query.set('until', new Date(filters.until).toISOString());
  if (before) query.set('before', String(before));
  query.set('limit', '50');
  return `/incidents?${query}`;
}

export function IncidentsPage() {
  const [filters, setFilters] = useState({ status: 'triggered,acknowledged', channelId: '', severity: '', since: '', until: '' });
  const [before, setBefore] = useState(undefined);
  const channels = useLoad(() => api.get('/channels'), []);
  const list = useLoad(() => api.get(listPath(filters, before)), [JSON.stringify(filters), before]);
  const live = useIncidentEvents(() => list.reload());
  const channelName = (id) => channels.data?.items.find((channel) => channel.id === id)?.name ?? `#${id}`;
  const set = (name) => (value) => {
    setBefore(undefined);
    setFilters({ ...filters, [name]: value });
  };
  return html`<section class="page">
    <div class="page-head">
      <h1>Incidents</h1>
      <span class=${`live ${live ? 'on' : 'off'}`} role="status">${live ? 'Live' : 'Reconnecting…'}</span>
    </div>
    <form class="filters" aria-label="Filter incidents" onSubmit=${(event) => event.preventDefault()}>
      <${SelectField} label="Status" name="status" value=${filters.status} options=${STATUS_OPTIONS} onChange=${set('status')} />
      <${SelectField} label="Channel" name="channelId" value=${filters.channelId}
        options=${[['', 'All channels'], ...(channels.data?.items ?? []).map((channel) => [String(channel.id), channel.name])]} onChange=${set('channelId')} />
      <${SelectField} label="Severity" name="severity" value=${filters.severity} options=${SEVERITY_OPTIONS} onChange=${set('severity')} />
      <${TextField} label="Since" name="since" type="datetime-local" value=${filters.since} onInput=${set('since')} />
      <${TextField} label="Until" name="until" type="datetime-local" value=${filters.until} onInput=${set('until')} />
    </form>
    ${list.error && html`<div class="form-error" role="alert">${list.error.message}</div>`}
    ${list.data && list.data.items.length === 0 && html`<p class="empty">No incidents match. Alerts sent to an integration's URL show up here as they arrive.</p>`}
    ${list.data && list.data.items.length > 0 && html`<table class="list incidents">
      <caption class="visually-hidden">Incidents, newest first</caption>
      <thead><tr><th scope="col">#</th><th scope="col">Title</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Channel</th><th scope="col">Alerts</th><th scope="col">Opened</th></tr></thead>
      <tbody>${list.data.items.map((incident) => html`<tr key=${incident.id}>
        <td data-label="#">${incident.id}</td>
        <td data-label="Title"><a href=${`#/incidents/${incident.id}`}>${incident.title}</a></td>
        <td data-label="Severity"><${SeverityBadge} severity=${incident.severity} /></td>
        <td data-label="Status"><${StatusBadge} status=${incident.status} /></td>
        <td data-label="Channel">${channelName(incident.channelId)}</td>
        <td data-label="Alerts">${incident.alertCount}</td>
        <td data-label="Opened"><${Time} value=${incident.createdAt} /></td>
      </tr>`)}</tbody>
    </table>`}
    <div class="pager">
      ${before && html`<button type="button" onClick=${() => setBefore(undefined)}>Newest</button>`}
      ${list.data?.nextBefore && html`<button type="button" onClick=${() => setBefore(list.data.nextBefore)}>Older</button>`}
    </div>
  </section>`;
}
