import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { navigate } from '../router.js';
import { CheckboxField, Done, FormError, TextField, errorFor, useSubmit } from '../forms.js';
import { ContactMethodsEditor } from '../contact-methods-editor.js';
import { formatTime } from '../format.js';
import { useLoad } from '../use-load.js';

const FIELDS = ['name', 'email', 'phone', 'isAdmin', 'contactMethods'];

const LINKED_BY = {
  auto_email: 'matched by email',
  auto_mobile: 'matched by mobile',
  admin: 'mapped by an admin',
  link_code: 'linked with a code',
};

function MemberForm({ member, onSaved }) {
  const [draft, setDraft] = useState({
    name: member.name,
    email: member.email ?? '',
    phone: member.phone ?? '',
    isAdmin: member.isAdmin,
    contactMethods: member.contactMethods,
  });
  const form = useSubmit(async () => {
    await api.patch(`/members/${member.id}`, { ...draft, email: draft.email.trim() || null, phone: draft.phone.trim() || null });
    onSaved();
    return 'Saved.';
  });
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  return html`<form class="card form" onSubmit=${form.submit} aria-labelledby="member-details">
    <h2 id="member-details">Details</h2>
    <${FormError} error=${form.error} shown=${FIELDS} />
    <${TextField} label="Name" name="name" value=${draft.name} onInput=${set('name')} required error=${errorFor(form.errors, 'name')} />
    <${TextField} label="Email (optional)" name="email" type="email" value=${draft.email} onInput=${set('email')} error=${errorFor(form.errors, 'email')}
      hint="Used to find the member on each IM, and for email pages" />
    <${TextField} label="Mobile (optional)" name="phone" type="tel" value=${draft.phone} onInput=${set('phone')} error=${errorFor(form.errors, 'phone')} />
    <${CheckboxField} label="Admin" name="isAdmin" checked=${draft.isAdmin} onChange=${set('isAdmin')} error=${errorFor(form.errors, 'isAdmin')}
      hint="Admins are told when an integration keeps failing (by email and IM direct message)" />
    <${ContactMethodsEditor} value=${draft.contactMethods} onChange=${set('contactMethods')} error=${errorFor(form.errors, 'contactMethods')} />
    <button type="submit" class="primary" disabled=${form.busy}>Save</button> <${Done} text=${form.done} />
  </form>`;
}

/**
 * The IM accounts acting as this member; a mapping by user id alone waits for the account's first click. Unlink
 * undoes a wrong link for good: the account is not linked to this member again by email or mobile by itself.
 */
function ImLinks({ member }) {
  const links = useLoad(() => api.get(`/members/${member.id}/im-identities`), [member.id]);
  const [problem, setProblem] = useState('');
  const [unlinked, setUnlinked] = useState(null);
  const [busy, setBusy] = useState('');
  const items = links.data?.items ?? [];
  const unlink = async (link) => {
    const question = `Unlink the ${link.platform} account ${link.externalId} from ${member.name}?\n\n`
      + `Its clicks and commands will act as nobody, and it will not be linked to ${member.name} again by email or mobile. `
      + 'An explicit mapping or a link code links it again.';
    if (!confirm(question)) return;
    setBusy(`${link.platform}:${link.externalId}`);
    setProblem('');
    setUnlinked(null);
    try {
      await api.del(`/members/${member.id}/im-identities/${encodeURIComponent(link.platform)}/${encodeURIComponent(link.externalId)}`);
      setUnlinked(link);
    } catch (error) {
      setProblem(`Unlink failed: ${error.message}`);
    }
    setBusy('');
    links.reload();
  };
  // A mapping by user id that no account has used yet: withdrawn before a mistyped id links a stranger.
  const withdraw = async (link) => {
    const ids = [link.userId && `user id ${link.userId}`, link.unionId && `union id ${link.unionId}`].filter(Boolean).join(', ');
    if (!confirm(`Withdraw the ${link.platform} mapping of ${member.name} by ${ids}? No account has used it yet.`)) return;
    setProblem('');
    const query = new URLSearchParams({ ...(link.userId ? { userId: link.userId } : {}), ...(link.unionId ? { unionId: link.unionId } : {}) });
    await api.del(`/members/${member.id}/awaiting-links/${encodeURIComponent(link.platform)}?${query}`).catch((error) => setProblem(`Withdraw failed: ${error.message}`));
    links.reload();
  };
  // Undo is an explicit admin mapping of the same account, which also lifts the unlink's block.
  const undo = async () => {
    const link = unlinked;
    setUnlinked(null);
    setProblem('');
    try {
      await api.post('/im-identities', {
        platform: link.platform,
        mappings: [{ memberId: member.id, externalId: link.externalId, ...(link.userId ? { userId: link.userId } : {}), ...(link.unionId ? { unionId: link.unionId } : {}) }],
      });
    } catch (error) {
      setProblem(`Undo failed: ${error.message}`);
    }
    links.reload();
  };
  return html`<div class="card" aria-labelledby="member-links">
    <h2 id="member-links">IM links</h2>
    ${links.error && html`<div class="form-error" role="alert">${links.error.message}</div>`}
    ${problem && html`<div class="form-error" role="alert">${problem}</div>`}
    <p role="status" class="done">${unlinked && html`Unlinked the ${unlinked.platform} account ${unlinked.externalId}. <button type="button" class="small" onClick=${undo}>Undo</button>`}</p>
    ${links.data && items.length === 0 && html`<p class="empty">Not linked on any IM. "Link by email/mobile" on the Members page, or the bot's link command, links an account.</p>`}
    ${items.length > 0 && html`<ul class="rows">${items.map((link) => html`<li key=${`${link.platform}:${link.externalId ?? link.userId ?? link.unionId}`}>
      <span><span class="badge">${link.platform}</span> ${link.externalId ?? html`<span class="muted">waiting for the account's first use</span>`}
        ${link.userId && html` <span class="muted">user id ${link.userId}</span>`}
        ${link.unionId && html` <span class="muted">union id ${link.unionId}</span>`}</span>
      <span class="muted">${LINKED_BY[link.linkedBy] ?? link.linkedBy}, ${formatTime(link.createdAt)}</span>
      ${link.externalId && html`<button type="button" class="danger small" disabled=${busy === `${link.platform}:${link.externalId}`} onClick=${() => unlink(link)}
        aria-label=${`Unlink ${link.platform} account ${link.externalId}`}>Unlink</button>`}
      ${!link.externalId && html`<button type="button" class="danger small" onClick=${() => withdraw(link)}
        aria-label=${`Withdraw ${link.platform} mapping by ${link.userId ?? link.unionId}`}>Withdraw</button>`}
    </li>`)}</ul>`}
  </div>`;
}

export function MemberPage({ id }) {
  const member = useLoad(() => api.get(`/members/${id}`), [id]);
  const remove = async () => {
    if (!confirm(`Remove ${member.data.name}?`)) return;
    await api.del(`/members/${id}`).then(() => navigate('/members')).catch((error) => alert(error.message));
  };
  if (member.error) return html`<section class="page"><p class="crumbs"><a href="#/members">Members</a></p><div class="form-error" role="alert">${member.error.message}</div></section>`;
  if (!member.data) return html`<p class="loading" role="status">Loading…</p>`;
  return html`<section class="page">
    <p class="crumbs"><a href="#/members">Members</a> / ${member.data.name}</p>
    <div class="page-head">
      <h1>${member.data.name} ${member.data.isAdmin && html`<span class="badge admin">Admin</span>`}</h1>
      <button type="button" class="danger" onClick=${remove}>Remove member</button>
    </div>
    <div class="grid">
      <${MemberForm} member=${member.data} onSaved=${member.reload} />
      <${ImLinks} member=${member.data} />
    </div>
  </section>`;
}
