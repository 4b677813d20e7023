import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { Done, FormError, TextArea, useSubmit } from '../forms.js';
import { CopyField } from '../copy.js';
import { HealthPanel, OtherFacts, useLiveHealth } from '../integration-health.js';
import { IntegrationFields, SHARED_FIELDS } from '../integration-form.js';
import { settingsValues } from '../schema-fields.js';
import { useLoad } from '../use-load.js';
import { integrationBody } from './integrations.js';

const VIEW_ONLY = new Set(['id', 'createdAt', 'updatedAt', 'settings']);
const SAMPLE_PAYLOAD = JSON.stringify(
  { msg_type: 'post', content: { post: { zh_cn: { title: 'api-gateway: 5xx rate above 5%', content: [[{ tag: 'text', text: 'for 5 minutes on POST /pay' }]] } } } },
  null,
  2,
);

function draftOf(integration, type) {
  const draft = {};
  for (const name of SHARED_FIELDS) if (name !== 'type') draft[name] = integration[name];
  draft.routes ??= [];
  draft.pushRules ??= [];
  draft.settings = type ? settingsValues(type.fields, integration) : {};
  return draft;
}

/** "Send a test payload": what the integration would do with a message, stored nowhere. */
function TestPayload({ id }) {
  const [payload, setPayload] = useState(SAMPLE_PAYLOAD);
  const [result, setResult] = useState(null);
  const form = useSubmit(async () => {
    let body;
    try {
      body = JSON.parse(payload);
    } catch {
      throw new Error('payload: not valid JSON');
    }
    setResult(await api.post(`/integrations/${id}/test-payload`, body));
  });
  return html`<form class="card form" onSubmit=${form.submit} aria-labelledby="test-payload">
    <h2 id="test-payload">Send a test payload</h2>
    <p class="muted">Shows which rule matches, the Alert Key and where it would route. Nothing is stored, nobody is paged.</p>
    <${FormError} error=${form.error} shown=${['payload']} />
    <${TextArea} label="Message (the JSON a sender posts)" name="payload" rows=${6} value=${payload} onInput=${setPayload}
      error=${form.error?.message?.startsWith('payload:') ? form.error.message.slice(9) : undefined} />
    <button type="submit" disabled=${form.busy}>Test</button>
    ${result && html`<dl class="facts test-result" aria-live="polite">
      <dt>Accepted</dt><dd>${result.accepted ? 'yes' : `no — ${result.error?.msg ?? ''} (${result.error?.code ?? ''})`}</dd>
      <dt>Action</dt><dd>${result.action}</dd>
      <dt>Title</dt><dd>${result.title}</dd>
      <dt>Severity</dt><dd>${result.severity}</dd>
      <dt>Alert Key</dt><dd><code>${result.alertKey}</code></dd>
      <dt>Matched rule</dt><dd>${result.matchedRule ? `#${result.matchedRule.index + 1}${result.matchedRule.name ? ` ${result.matchedRule.name}` : ''}` : 'none'}</dd>
      <dt>Routed to</dt><dd>${result.routedTo ? result.routedTo.channelName : 'nowhere'}</dd>
    </dl>`}
  </form>`;
}

export function IntegrationPage({ id }) {
  const integration = useLoad(() => api.get(`/integrations/${id}`), [id]);
  const types = useLoad(() => api.get('/integration-types'), []);
  const channels = useLoad(() => api.get('/channels'), []);
  const type = types.data?.items.find((candidate) => candidate.name === integration.data?.type);
  const live = useLiveHealth(id, integration.data?.health);
  const [draft, setDraft] = useState(null);
  useEffect(() => {
    if (integration.data && types.data) setDraft(draftOf(integration.data, type));
  }, [integration.data, types.data]);
  const form = useSubmit(async () => {
    await api.patch(`/integrations/${id}`, integrationBody(draft, type, true));
    await integration.reload();
    return 'Saved.';
  });
  const rotate = useSubmit(async () => {
    if (!confirm('Give this integration a new URL? The current one stops working at once.')) return '';
    await api.post(`/integrations/${id}/rotate-key`, {});
    await integration.reload();
    return 'New URL made.';
  });
  const enable = useSubmit(async () => {
    await api.patch(`/integrations/${id}`, { enabled: true });
    await integration.reload();
    return 'Enabled.';
  });
  const remove = async () => {
    if (!confirm(`Delete this integration? ${type?.receives.kind === 'poll' ? 'Its mailbox is no longer read.' : 'Its URL stops working.'}`)) return;
    await api.del(`/integrations/${id}`).then(() => navigate('/integrations'), (error) => form.setError(error));
  };
  if (integration.error) return html`<section class="page"><div class="form-error" role="alert">${integration.error.message}</div></section>`;
  if (!integration.data || !draft) return html`<p class="loading" role="status">Loading…</p>`;
  const known = new Set([...SHARED_FIELDS, ...VIEW_ONLY, ...(type?.fields ?? []).flatMap((field) => [field.name, `has${field.name[0].toUpperCase()}${field.name.slice(1)}`])]);
  const address = type ? integration.data[type.address.field] : undefined;
  // Anything else the type shows (who changed it last …) is listed; an email integration's health has its own panel.
  const status = Object.entries(integration.data).filter(([name]) => !known.has(name) && name !== type?.address.field && name !== 'health');
  const health = live?.health ?? integration.data.health;
  return html`<section class="page">
    <p class="crumbs"><a href="#/integrations">Integrations</a> / ${integration.data.name}</p>
    <h1>${integration.data.name}</h1>
    <div class="card">
      ${address && html`<${CopyField} label=${type?.address.label ?? 'URL'} value=${address} />`}
      ${type?.receives.kind === 'http' && html`<button type="button" onClick=${rotate.submit} disabled=${rotate.busy}>New URL</button> <${Done} text=${rotate.done} />`}
      <${OtherFacts} entries=${status} />
    </div>
    ${health && html`<${HealthPanel} health=${health} enabled=${live?.enabled ?? integration.data.enabled} onEnable=${enable.submit} enabling=${enable.busy} enableError=${enable.error} />`}
    <${Done} text=${enable.done} />
    <div class="grid">
      <form class="card form" onSubmit=${form.submit} aria-labelledby="edit-integration">
        <h2 id="edit-integration">Settings</h2>
        <${FormError} error=${form.error} shown=${[...SHARED_FIELDS, ...(type?.fields ?? []).map((field) => field.name)]} />
        <${IntegrationFields} draft=${draft} setDraft=${setDraft} type=${type} channels=${channels.data?.items ?? []} errors=${form.errors} shown=${integration.data} editing=${true} />
        <button type="submit" class="primary" disabled=${form.busy}>Save</button> <${Done} text=${form.done} />
        <button type="button" class="danger" onClick=${remove}>Delete integration</button>
      </form>
      ${type?.testPayload && html`<${TestPayload} id=${id} />`}
    </div>
  </section>`;
}
