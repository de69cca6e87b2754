// Scoped tokens: list, create (rights, one feed or all, expiry), the secret and its QR code shown
// once on creation, delete. Managing tokens needs the account key (a token session cannot).
import { api } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';
import { Ago, Copy, Dialog, ErrorBox, Field, notify, Spinner, Table } from '../lib/ui.js';

const FLAGS = [
  ['readable', 'Read'],
  ['createable', 'Create'],
  ['updateable', 'Update'],
  ['deleteable', 'Delete'],
];

function CreateForm({ feeds, onCreated }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const body = {};
    for (const [flag] of FLAGS) body[flag] = data.get(flag) === 'on';
    body.feed_id = data.get('feed_id') || null;
    const exp = data.get('expiration');
    if (exp) body.expiration = new Date(String(exp)).toISOString();
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.post('/tokens', body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit}>
    <fieldset>
      <legend>Rights</legend>
      ${FLAGS.map(([flag, label]) => html`<label class="check"><input type="checkbox" name=${flag} defaultChecked=${flag === 'readable'} /> ${label}</label>`)}
    </fieldset>
    <${Field} label="Feed" id="token-feed" hint="Limit the token to one feed, or leave it for all feeds.">
      <select id="token-feed" name="feed_id">
        <option value="">All feeds</option>
        ${feeds.map((f) => html`<option value=${f.id}>${f.name} (${f.key})</option>`)}
      </select>
    <//>
    <${Field} label="Expires" name="expiration" type="datetime-local" hint="Leave empty for a token that does not expire." />
    <${ErrorBox} error=${error} />
    <button type="submit" class="primary" disabled=${busy}>Create token</button>
  </form>`;
}

function Secret({ token }) {
  return html`<div class="stack">
    <p><strong>Copy the token now:</strong> only its hash is kept, so it cannot be shown again.</p>
    <div class="secret"><code data-testid="token-secret">${token.key}</code><${Copy} text=${token.key} label="Copy token" /></div>
    ${token.qr_code && html`<img class="qr" src=${token.qr_code} alt="QR code of the token, for a phone to scan" />`}
  </div>`;
}

export default function Tokens({ session }) {
  const [tokens, setTokens] = useState(null);
  const [feeds, setFeeds] = useState([]);
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const manage = session?.permissions?.manage;

  const load = () => {
    if (!manage) return;
    api.get('/tokens').then(setTokens, setError);
    api.get('/feeds').then(setFeeds, () => setFeeds([]));
  };
  useEffect(load, [manage]);

  if (!manage) {
    return html`<section aria-labelledby="tokens-title"><h1 id="tokens-title">Tokens</h1>
      <p>Tokens are managed with the account key: sign in with the key to see or change them.</p></section>`;
  }
  if (error && !tokens) return html`<${ErrorBox} error=${error} retry=${load} />`;
  if (!tokens) return html`<${Spinner} />`;
  const feedName = (id) => feeds.find((f) => f.id === id)?.name ?? `feed ${id}`;

  const remove = async () => {
    try {
      await api.del(`/tokens/${deleting.id}`);
      notify(`Token ${deleting.id} deleted`);
    } catch (err) {
      notify(err.message, 'error');
    }
    setDeleting(null);
    load();
  };

  return html`<section aria-labelledby="tokens-title">
    <div class="page-head">
      <h1 id="tokens-title">Tokens</h1>
      <div class="actions"><button type="button" class="primary" onClick=${() => setCreating(true)}>New token</button></div>
    </div>
    <${Table}
      caption="Scoped tokens of this account"
      rows=${tokens}
      empty="No tokens yet."
      columns=${[
        { key: 'id', label: 'Id' },
        {
          key: 'rights',
          label: 'Rights',
          render: (t) =>
            FLAGS.filter(([f]) => t[f])
              .map(([, l]) => l)
              .join(', ') || 'none',
        },
        { key: 'feed', label: 'Feed', render: (t) => (t.feed_id === null ? 'all feeds' : feedName(t.feed_id)) },
        { key: 'expiration', label: 'Expires', render: (t) => (t.expiration ? html`<${Ago} time=${t.expiration} />` : 'never') },
        {
          key: 'status',
          label: 'Status',
          render: (t) => html`<span class=${`badge ${t.status === 'active' ? 'ok' : 'danger'}`}>${t.status}</span>`,
        },
        { key: 'created_at', label: 'Created', render: (t) => html`<${Ago} time=${t.created_at} />` },
        {
          key: 'del',
          label: 'Actions',
          render: (t) =>
            html`<button type="button" class="danger" aria-label=${`Delete token ${t.id}`} onClick=${() => setDeleting(t)}>Delete</button>`,
        },
      ]}
    />
    <${Dialog} open=${creating} title="New token" onClose=${() => setCreating(false)}>
      <${CreateForm}
        feeds=${feeds}
        onCreated=${(t) => {
          setCreating(false);
          setCreated(t);
          load();
        }}
      />
    <//>
    <${Dialog} open=${created !== null} title="Token created" onClose=${() => setCreated(null)}>
      ${created && html`<${Secret} token=${created} />`}
    <//>
    <${Dialog} open=${deleting !== null} title="Delete token?" onClose=${() => setDeleting(null)}>
      <p>Devices and console sessions using token ${deleting?.id} stop working at once.</p>
      <div class="row">
        <button type="button" class="danger" onClick=${remove}>Delete token</button>
        <button type="button" onClick=${() => setDeleting(null)}>Cancel</button>
      </div>
    <//>
  </section>`;
}
