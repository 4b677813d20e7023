import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { CheckboxField, Done, FormError, SelectField, TextArea, TextField, errorFor, useSubmit } from '../forms.js';
import { useLoad } from '../use-load.js';

function TableRows({ id, onChanged }) {
  const table = useLoad(() => api.get(`/bot-mapping-tables/${id}`), [id]);
  const [csv, setCsv] = useState('');
  const [replace, setReplace] = useState(false);
  const form = useSubmit(async () => {
    const answer = await api.postText(`/bot-mapping-tables/${id}/rows${replace ? '?replace=true' : ''}`, csv, 'text/csv');
    setCsv('');
    table.reload();
    onChanged();
    return `Imported. ${JSON.stringify(answer)}`;
  });
  const remove = async () => {
    if (!confirm('Delete this mapping table?')) return;
    await api.del(`/bot-mapping-tables/${id}`).then(() => navigate('/mapping-tables'), (error) => form.setError(error));
    onChanged();
  };
  if (!table.data) return html`<p class="loading" role="status">Loading…</p>`;
  return html`<div class="card" aria-labelledby="table-rows">
    <h2 id="table-rows">${table.data.name} <span class="badge">${table.data.kind}</span></h2>
    ${table.data.rows.length === 0 ? html`<p class="empty">No rows.</p>` : html`<table class="list"><thead><tr><th scope="col">Email</th><th scope="col">User id</th></tr></thead>
      <tbody>${table.data.rows.map((row) => html`<tr><td data-label="Email">${row.email}</td><td data-label="User id"><code>${row.userId}</code></td></tr>`)}</tbody></table>`}
    <form class="form" onSubmit=${form.submit} aria-label="Import rows">
      <${FormError} error=${form.error} shown=${['rows', 'body']} />
      <${TextArea} label="Import CSV (email,userId per line)" name="rows" rows=${5} value=${csv} onInput=${setCsv} error=${errorFor(form.errors, 'rows') ?? errorFor(form.errors, 'body')} />
      <${CheckboxField} label="Replace every row" name="replace" checked=${replace} onChange=${setReplace} />
      <button type="submit" disabled=${form.busy}>Import</button> <${Done} text=${form.done} />
    </form>
    <button type="button" class="danger" onClick=${remove}>Delete table</button>
  </div>`;
}

export function MappingTablesPage({ openId }) {
  const tables = useLoad(() => api.get('/bot-mapping-tables'), []);
  const types = useLoad(() => api.get('/destination-types'), []);
  const kinds = (types.data?.items ?? []).filter((type) => type.name.endsWith('-bot')).map((type) => [type.name.replace(/-bot$/, ''), type.label]);
  const [draft, setDraft] = useState({ name: '', kind: '' });
  const form = useSubmit(async () => {
    const created = await api.post('/bot-mapping-tables', { name: draft.name, kind: draft.kind || kinds[0]?.[0] });
    tables.reload();
    navigate(`/mapping-tables/${created.id}`);
  });
  return html`<section class="page">
    <h1>Mapping tables</h1>
    <p class="lead">Member email → user id on a group bot's IM, so its pages @mention the right people.</p>
    <ul class="cards">${(tables.data?.items ?? []).map((table) => html`<li key=${table.id}>
      <a href=${`#/mapping-tables/${table.id}`} aria-current=${String(table.id) === openId ? 'page' : undefined}><strong>${table.name}</strong></a> <span class="badge">${table.kind}</span>
    </li>`)}</ul>
    <div class="grid">
      ${openId && html`<${TableRows} id=${openId} onChanged=${tables.reload} />`}
      <form class="card form" onSubmit=${form.submit} aria-labelledby="new-table">
        <h2 id="new-table">New mapping table</h2>
        <${FormError} error=${form.error} shown=${['name', 'kind']} />
        <${TextField} label="Name" name="name" value=${draft.name} onInput=${(name) => setDraft({ ...draft, name })} error=${errorFor(form.errors, 'name')} />
        <${SelectField} label="Kind" name="kind" value=${draft.kind || kinds[0]?.[0]} options=${kinds} onChange=${(kind) => setDraft({ ...draft, kind })} error=${errorFor(form.errors, 'kind')} />
        <button type="submit" class="primary" disabled=${form.busy}>Create table</button>
      </form>
    </div>
  </section>`;
}
