// Actions: list with their description, enable/disable, delete, and a form for the common reactive
// kind ("when feed X > 30, set feed Y to 1" or call a webhook).
import { api } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';
import { Dialog, ErrorBox, Field, notify, Spinner, Table } from '../lib/ui.js';

const OPERATORS = [
  ['gt', 'greater than'],
  ['gte', 'greater than or equal to'],
  ['lt', 'less than'],
  ['lte', 'less than or equal to'],
  ['eq', 'equal to'],
  ['ne', 'not equal to'],
];

function CreateForm({ feeds, onCreated }) {
  const [output, setOutput] = useState('feed');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(e.currentTarget));
    const body = { trigger_type: 'reactive', feed_id: d.feed_id, operator: d.operator, value: d.value, action: output };
    if (output === 'feed') Object.assign(body, { action_feed_id: d.action_feed_id, action_value: d.action_value });
    else body.action_url = d.action_url;
    setError(null);
    try {
      onCreated(await api.post('/actions', body));
    } catch (err) {
      setError(err);
    }
  };
  const feedSelect = (id, name, label) => html`<${Field} label=${label} id=${id}>
    <select id=${id} name=${name} required>
      ${feeds.map((f) => html`<option value=${f.id}>${f.name}</option>`)}
    </select>
  <//>`;
  return html`<form onSubmit=${submit}>
    <fieldset>
      <legend>When</legend>
      ${feedSelect('action-feed', 'feed_id', 'Feed')}
      <${Field} label="Is" id="action-operator">
        <select id="action-operator" name="operator">${OPERATORS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
      <//>
      <${Field} label="Value" name="value" required />
    </fieldset>
    <fieldset>
      <legend>Then</legend>
      <div class="segmented">
        <label><input type="radio" name="output" checked=${output === 'feed'} onChange=${() => setOutput('feed')} /> Set a feed</label>
        <label><input type="radio" name="output" checked=${output === 'webhook'} onChange=${() => setOutput('webhook')} /> Call a webhook</label>
      </div>
      ${
        output === 'feed'
          ? html`${feedSelect('action-target', 'action_feed_id', 'Target feed')}<${Field} label="To value" name="action_value" required />`
          : html`<${Field} label="Webhook URL" name="action_url" type="url" required placeholder="https://" />`
      }
    </fieldset>
    <${ErrorBox} error=${error} />
    <button type="submit" class="primary">Create action</button>
  </form>`;
}

export default function Actions() {
  const [actions, setActions] = useState(null);
  const [feeds, setFeeds] = useState([]);
  const [error, setError] = useState(null);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState(null);

  const load = () => {
    api.get('/actions').then(setActions, setError);
    api.get('/feeds').then(setFeeds, () => setFeeds([]));
  };
  useEffect(load, []);

  const toggle = async (a) => {
    try {
      await api.patch(`/actions/${a.id}`, { enabled: !a.enabled });
    } catch (err) {
      notify(err.message, 'error');
    }
    load();
  };
  const remove = async () => {
    try {
      await api.del(`/actions/${deleting.id}`);
      notify('Action deleted');
    } catch (err) {
      notify(err.message, 'error');
    }
    setDeleting(null);
    load();
  };

  if (error && !actions) return html`<${ErrorBox} error=${error} retry=${load} />`;
  if (!actions) return html`<${Spinner} />`;
  return html`<section aria-labelledby="actions-title">
    <div class="page-head">
      <h1 id="actions-title">Actions</h1>
      <div class="actions"><button type="button" class="primary" disabled=${feeds.length === 0} onClick=${() => setCreating(true)}>New action</button></div>
    </div>
    ${feeds.length === 0 && html`<p class="muted">Actions watch feeds: create a feed first.</p>`}
    <${Table}
      caption="Actions of this account"
      rows=${actions}
      empty="No actions yet."
      columns=${[
        { key: 'description', label: 'Action', render: (a) => a.description || `${a.trigger_type} action ${a.id}` },
        { key: 'trigger_type', label: 'Kind' },
        {
          key: 'enabled',
          label: 'Enabled',
          render: (a) =>
            html`<label class="check"><input type="checkbox" checked=${a.enabled} onChange=${() => toggle(a)} aria-label=${`Enabled: action ${a.id}`} /> ${a.enabled ? 'on' : 'off'}</label>`,
        },
        {
          key: 'del',
          label: 'Actions',
          render: (a) =>
            html`<button type="button" class="danger" aria-label=${`Delete action ${a.id}`} onClick=${() => setDeleting(a)}>Delete</button>`,
        },
      ]}
    />
    <${Dialog} open=${creating} title="New action" onClose=${() => setCreating(false)}>
      <${CreateForm}
        feeds=${feeds}
        onCreated=${() => {
          setCreating(false);
          notify('Action created');
          load();
        }}
      />
    <//>
    <${Dialog} open=${deleting !== null} title="Delete action?" onClose=${() => setDeleting(null)}>
      <p>${deleting?.description}</p>
      <div class="row">
        <button type="button" class="danger" onClick=${remove}>Delete action</button>
        <button type="button" onClick=${() => setDeleting(null)}>Cancel</button>
      </div>
    <//>
  </section>`;
}
