// Sign in with the account's username and key, or with a scoped token. The secret goes to the
// server once, in a POST body; the page keeps nothing of it (the form is cleared, nothing stored).
import { api } from '../lib/api.js';
import { html, useState } from '../lib/html.js';
import { ErrorBox, Field } from '../lib/ui.js';

export default function SignIn({ onSession }) {
  const [mode, setMode] = useState('key');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const body =
      mode === 'key'
        ? { username: String(data.get('username')).trim(), key: String(data.get('key')) }
        : { token: String(data.get('token')).trim() };
    setBusy(true);
    setError(null);
    try {
      const session = await api.signIn(body);
      form.reset();
      onSession?.(session);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<section class="signin card" aria-labelledby="signin-title">
    <h1 id="signin-title">Sign in</h1>
    <fieldset class="segmented">
      <legend>Sign in with</legend>
      <label><input type="radio" name="mode" value="key" checked=${mode === 'key'} onChange=${() => setMode('key')} /> Account key</label>
      <label><input type="radio" name="mode" value="token" checked=${mode === 'token'} onChange=${() => setMode('token')} /> Token</label>
    </fieldset>
    <form onSubmit=${submit} autocomplete="on">
      ${
        mode === 'key'
          ? html`<${Field} label="Username" name="username" autocomplete="username" required autocapitalize="off" spellcheck="false" />
            <${Field} label="Key" name="key" type="password" autocomplete="current-password" required
              hint="The account's AIO key (X-AIO-Key). It is sent once to sign in and never stored by the page." />`
          : html`<${Field} label="Token" name="token" type="password" autocomplete="off" required
              hint="A scoped token: the console then shows and allows only what the token does." />`
      }
      <${ErrorBox} error=${error} />
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </section>`;
}
