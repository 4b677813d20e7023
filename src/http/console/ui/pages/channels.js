import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { FormError, TextField, errorFor, useSubmit } from '../forms.js';
import { useLoad } from '../use-load.js';

export function ChannelsPage() {
  const list = useLoad(() => api.get('/channels'), []);
  const [draft, setDraft] = useState({ name: '', description: '', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const form = useSubmit(async () => {
    const created = await api.post('/channels', draft);
    navigate(`/channels/${created.id}`);
  });
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  return html`<section class="page">
    <h1>Channels</h1>
    <p class="lead">A channel is a team's inbox: its chats, group bots and escalation rules.</p>
    ${list.data && html`<ul class="cards">${list.data.items.map((channel) => html`<li key=${channel.id}>
      <a href=${`#/channels/${channel.id}`}><strong>${channel.name}</strong></a>
      <div class="muted">${channel.description || 'No description'} · ${channel.timeZone}</div>
    </li>`)}</ul>`}
    ${list.data?.items.length === 0 && html`<p class="empty">No channels yet: create the first one below.</p>`}
    <form class="card form" onSubmit=${form.submit} aria-labelledby="new-channel">
      <h2 id="new-channel">New channel</h2>
      <${FormError} error=${form.error} shown=${['name', 'description', 'timeZone']} />
      <${TextField} label="Name" name="name" value=${draft.name} onInput=${set('name')} required error=${errorFor(form.errors, 'name')} />
      <${TextField} label="Description (optional)" name="description" value=${draft.description} onInput=${set('description')} error=${errorFor(form.errors, 'description')} />
      <${TextField} label="Time zone" name="timeZone" value=${draft.timeZone} onInput=${set('timeZone')} error=${errorFor(form.errors, 'timeZone')} hint="IANA name, e.g. Asia/Shanghai" />
      <button type="submit" class="primary" disabled=${form.busy}>Create channel</button>
    </form>
  </section>`;
}
