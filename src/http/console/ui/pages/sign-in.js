import { html, useEffect, useState } from '../lib.js';
import { session } from '../api.js';
import { FormError, TextField, errorFor, useSubmit } from '../forms.js';

export function SignInPage({ note, onSignedIn }) {
  const [token, setToken] = useState('');
  const form = useSubmit(async () => onSignedIn(await session.signIn(token)));
  useEffect(() => document.querySelector('input[name="token"]')?.focus(), []);
  return html`<main class="sign-in" id="main">
    <form class="card" onSubmit=${form.submit} aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">oncall-im</h1>
      <p>Sign in with the admin token (ADMIN_TOKEN, or the token the first start printed and kept in the data folder).</p>
      ${note && html`<p class="note" role="status">${note}</p>`}
      <${FormError} error=${form.error} shown=${['token']} />
      <${TextField} label="Admin token" name="token" type="password" value=${token} onInput=${setToken} required autocomplete="current-password"
        error=${errorFor(form.errors, 'token')} />
      <button type="submit" class="primary" disabled=${form.busy}>${form.busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}
