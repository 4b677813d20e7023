import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { FormError, SelectField, errorFor, useSubmit } from '../forms.js';
import { CopyField } from '../copy.js';
import { IntegrationFields, SHARED_FIELDS } from '../integration-form.js';
import { settingsBody } from '../schema-fields.js';
import { formatTime } from '../format.js';
import { useLoad } from '../use-load.js';

export const EMPTY_INTEGRATION = { name: '', kind: 'dedicated', channelId: null, defaultChannelId: null, routes: [], messageFormat: 'text', pushMode: 'always_new', pushRules: [], discardUnmatched: false, keywords: [], settings: {} };

/** The body the API takes: shared fields plus the type's settings, flat. */
export function integrationBody(draft, type, editing) {
  const { settings, ...shared } = draft;
  const body = { ...shared, ...(type ? settingsBody(type.fields, settings ?? {}, editing) : {}) };
  if (body.pushMode !== 'by_rules') delete body.pushRules;
  if (body.kind === 'dedicated') delete body.routes;
  return body;
}

/** An integration that is off says so; one the service turned off after consecutive errors stands out, since nobody chose that. */
function DisabledBadge({ integration }) {
  if (integration.enabled) return null;
  if (integration.health?.disabledAutomaticallyAt) {
    return html` <span class="badge disabled-errors" title=${`Disabled automatically at ${formatTime(integration.health.disabledAutomaticallyAt)}`}>Disabled after errors</span>`;
  }
  return html` <span class="badge">Disabled</span>`;
}

/** Where the integration's alerts come in (its URL, its mailbox …), with a Copy button; nothing when it has none. */
function Address({ integration, types }) {
  const address = types.find((candidate) => candidate.name === integration.type)?.address ?? { field: 'url', label: 'URL' };
  const value = integration[address.field];
  return value ? html`<${CopyField} label=${`${integration.name}: ${address.label}`} value=${value} />` : null;
}

export function IntegrationsPage() {
  const list = useLoad(() => api.get('/integrations'), []);
  const types = useLoad(() => api.get('/integration-types'), []);
  const channels = useLoad(() => api.get('/channels'), []);
  const [typeName, setTypeName] = useState('');
  const [draft, setDraft] = useState(EMPTY_INTEGRATION);
  const chosen = typeName || types.data?.defaultType;
  const type = types.data?.items.find((candidate) => candidate.name === chosen);
  const form = useSubmit(async () => {
    const created = await api.post('/integrations', { type: chosen, ...integrationBody(draft, type, false) });
    navigate(`/integrations/${created.id}`);
  });
  const channelName = (id) => channels.data?.items.find((channel) => channel.id === id)?.name;
  return html`<section class="page">
    <h1>Integrations</h1>
    <p class="lead">Where alerts come in. A Feishu-compatible integration has a URL any tool that can post to a Feishu bot can use.</p>
    ${list.data?.items.length === 0 && html`<p class="empty">No integration yet.</p>`}
    ${list.data && list.data.items.length > 0 && html`<ul class="cards">${list.data.items.map((integration) => html`<li key=${integration.id}>
      <a href=${`#/integrations/${integration.id}`}><strong>${integration.name}</strong></a>
      <span class="muted"> ${integration.type} · ${integration.kind === 'shared' ? 'shared' : channelName(integration.channelId) ?? ''}</span>
      <${DisabledBadge} integration=${integration} />
      <${Address} integration=${integration} types=${types.data?.items ?? []} />
    </li>`)}</ul>`}
    <form class="card form" onSubmit=${form.submit} aria-labelledby="new-integration">
      <h2 id="new-integration">New integration</h2>
      <${FormError} error=${form.error} shown=${[...SHARED_FIELDS, ...(type?.fields ?? []).map((field) => field.name)]} />
      ${types.data && html`<${SelectField} label="Type" name="type" value=${chosen} options=${types.data.items.map((candidate) => [candidate.name, candidate.label])}
        hint=${type?.description} onChange=${(value) => { setTypeName(value); setDraft({ ...draft, settings: {} }); }} error=${errorFor(form.errors, 'type')} />`}
      <${IntegrationFields} draft=${draft} setDraft=${setDraft} type=${type} channels=${channels.data?.items ?? []} errors=${form.errors} editing=${false} />
      <button type="submit" class="primary" disabled=${form.busy}>Create integration</button>
    </form>
  </section>`;
}
