import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { Done, FormError, TextField, errorFor, useSubmit } from '../forms.js';
import { useLoad } from '../use-load.js';

function NewMember({ onCreated }) {
  const [draft, setDraft] = useState({ name: '', email: '', phone: '' });
  const form = useSubmit(async () => {
    await api.post('/members', { name: draft.name, email: draft.email || null, phone: draft.phone || null });
    setDraft({ name: '', email: '', phone: '' });
    onCreated();
    return 'Member added.';
  });
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  return html`<form class="card form" onSubmit=${form.submit} aria-labelledby="new-member">
    <h2 id="new-member">New member</h2>
    <${FormError} error=${form.error} shown=${['name', 'email', 'phone']} />
    <${TextField} label="Name" name="name" value=${draft.name} onInput=${set('name')} required error=${errorFor(form.errors, 'name')} />
    <${TextField} label="Email (optional)" name="email" type="email" value=${draft.email} onInput=${set('email')} error=${errorFor(form.errors, 'email')}
      hint="Used to find the member on each IM" />
    <${TextField} label="Mobile (optional)" name="phone" type="tel" value=${draft.phone} onInput=${set('phone')} error=${errorFor(form.errors, 'phone')} />
    <button type="submit" class="primary" disabled=${form.busy}>Add member</button> <${Done} text=${form.done} />
  </form>`;
}

/** Members not linked on each IM, with the one-click auto-match by email / mobile. */
function LinkHealth({ onLinked }) {
  const health = useLoad(() => api.get('/members/link-health'), []);
  const [results, setResults] = useState({});
  const [busy, setBusy] = useState('');
  const autoLink = async (platform) => {
    setBusy(platform);
    // The report names members by id: their names are the ones listed as unlinked before the run.
    const names = new Map((health.data?.platforms ?? []).flatMap((entry) => entry.unlinked.map((member) => [member.memberId, member.name])));
    try {
      const answer = await api.post('/members/auto-link', { platform });
      setResults({ ...results, [platform]: { answer, names } });
    } catch (error) {
      setResults({ ...results, [platform]: { error } });
    }
    setBusy('');
    health.reload();
    onLinked();
  };
  const describe = (items, names, detail) => items.map((item) => `${names.get(item.memberId) ?? `#${item.memberId}`}${detail(item) ? ` (${detail(item)})` : ''}`).join(', ');
  return html`<div class="card" aria-labelledby="link-health">
    <h2 id="link-health">Link health</h2>
    ${health.error && html`<div class="form-error" role="alert">${health.error.message}</div>`}
    ${(health.data?.platforms ?? []).map((entry) => html`<div class="platform-health" key=${entry.platform}>
      <h3>${entry.platform} ${entry.enabled ? '' : html`<span class="muted">(not configured)</span>`}</h3>
      ${entry.unlinked.length === 0 ? html`<p class="done">Every member is linked.</p>` : html`<p>${entry.unlinked.length} not linked: ${entry.unlinked.map((member) => member.name).join(', ')}</p>`}
      ${entry.enabled && entry.unlinked.length > 0 && html`<button type="button" disabled=${busy === entry.platform} onClick=${() => autoLink(entry.platform)}>
        ${busy === entry.platform ? 'Looking up…' : 'Link by email/mobile'}</button>`}
      ${results[entry.platform]?.answer && html`<p role="status" class="link-report">
        Linked: ${describe(results[entry.platform].answer.linked, results[entry.platform].names, (item) => item.by && `by ${item.by}`) || 'none'}.
        Not found: ${describe(results[entry.platform].answer.notFound, results[entry.platform].names, (item) => item.reason) || 'none'}.</p>`}
      ${results[entry.platform]?.error && html`<div class="form-error" role="alert">${results[entry.platform].error.message}</div>`}
    </div>`)}
  </div>`;
}

/** An IM link in the list: the platform, and the account's id when it is known yet. */
function LinkBadge({ identity }) {
  const account = identity.externalId ?? identity.userId ?? identity.unionId;
  return html`<span class="im-link"><span class="badge">${identity.platform}</span>${account && html` <span class="muted">${account}</span>`}</span> `;
}

function MemberRow({ member, onChanged }) {
  const links = useLoad(() => api.get(`/members/${member.id}/im-identities`), [member.id]);
  const remove = async () => {
    if (!confirm(`Remove ${member.name}?`)) return;
    await api.del(`/members/${member.id}`).catch((error) => alert(error.message));
    onChanged();
  };
  return html`<tr>
    <td data-label="Name"><a href=${`#/members/${member.id}`}>${member.name}</a>${member.isAdmin && html` <span class="badge admin">Admin</span>`}</td>
    <td data-label="Email">${member.email ?? '—'}</td>
    <td data-label="Mobile">${member.phone ?? '—'}</td>
    <td data-label="IM links">${(links.data?.items ?? []).map((identity) => html`<${LinkBadge} identity=${identity} />`)}${links.data?.items.length === 0 ? html`<span class="muted">none</span>` : ''}</td>
    <td class="row-actions">
      <a class="button small" href=${`#/members/${member.id}`} aria-label=${`Edit ${member.name}`}>Edit</a>
      <button type="button" class="danger small" onClick=${remove} aria-label=${`Remove ${member.name}`}>Remove</button>
    </td>
  </tr>`;
}

export function MembersPage() {
  const members = useLoad(() => api.get('/members'), []);
  return html`<section class="page">
    <h1>Members</h1>
    ${members.data && html`<table class="list">
      <caption class="visually-hidden">Members and their IM links</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Mobile</th><th scope="col">IM links</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>${members.data.items.map((member) => html`<${MemberRow} key=${member.id} member=${member} onChanged=${members.reload} />`)}</tbody>
    </table>`}
    <div class="grid">
      <${NewMember} onCreated=${members.reload} />
      <${LinkHealth} onLinked=${members.reload} />
    </div>
  </section>`;
}
