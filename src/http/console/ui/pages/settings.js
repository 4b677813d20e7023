import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { Done, FormError, TextField, errorFor, useSubmit } from '../forms.js';
import { useLoad } from '../use-load.js';

const FIELDS = ['emailErrorsNotifyAfter', 'emailErrorsDisableAfter'];

/** What was typed, as the API takes it: a number, or null for an empty field (the API then says what it needs). */
const asNumber = (text) => (String(text).trim() === '' ? null : Number(text));

function EmailThresholds({ saved, onSaved }) {
  const [draft, setDraft] = useState({ emailErrorsNotifyAfter: String(saved.emailErrorsNotifyAfter), emailErrorsDisableAfter: String(saved.emailErrorsDisableAfter) });
  const form = useSubmit(async () => {
    // Only what changed is sent, so a refused pair is reported at the threshold the admin edited.
    const changed = Object.fromEntries(FIELDS.filter((name) => asNumber(draft[name]) !== saved[name]).map((name) => [name, asNumber(draft[name])]));
    if (Object.keys(changed).length === 0) return 'Nothing changed.';
    await api.patch('/settings', changed);
    onSaved();
    return 'Saved.';
  });
  const set = (name) => (value) => setDraft({ ...draft, [name]: value });
  return html`<form class="card form" onSubmit=${form.submit} aria-labelledby="email-thresholds">
    <h2 id="email-thresholds">Email integrations: failing mailboxes</h2>
    <p class="muted">An email integration checks its mailbox again and again. When the checks keep failing (a changed
      password, a server that is down), it counts the failures in a row; a check that works, or an email received,
      starts the count again.</p>
    <${FormError} error=${form.error} shown=${FIELDS} />
    <${TextField} label="Notify admins after (failed checks in a row)" name="emailErrorsNotifyAfter" type="number" value=${draft.emailErrorsNotifyAfter}
      onInput=${set('emailErrorsNotifyAfter')} error=${errorFor(form.errors, 'emailErrorsNotifyAfter')}
      hint="The admins (members marked Admin) get an email and an IM direct message saying which integration fails and why. 1 to 1000; default 3." />
    <${TextField} label="Disable after (failed checks in a row)" name="emailErrorsDisableAfter" type="number" value=${draft.emailErrorsDisableAfter}
      onInput=${set('emailErrorsDisableAfter')} error=${errorFor(form.errors, 'emailErrorsDisableAfter')}
      hint="The integration is switched off (its mailbox is no longer read) until an admin enables it again; the admins are told. Must be more than the number above, so they hear first. 1 to 1000; default 10." />
    <button type="submit" class="primary" disabled=${form.busy}>Save</button> <${Done} text=${form.done} />
  </form>`;
}

export function SettingsPage() {
  const settings = useLoad(() => api.get('/settings'), []);
  return html`<section class="page">
    <h1>Settings</h1>
    <p class="lead">Settings for the whole service.</p>
    ${settings.error && html`<div class="form-error" role="alert">${settings.error.message}</div>`}
    ${settings.data && html`<div class="narrow"><${EmailThresholds} saved=${settings.data} onSaved=${settings.reload} /></div>`}
  </section>`;
}
