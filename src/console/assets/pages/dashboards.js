// #/dashboards: the signed-in user's dashboards; create (name, description, visibility), rename, delete, open.
import { api } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';

function CreateForm({ onCreated }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [visibility, setVisibility] = useState('private');
  const [error, setError] = useState(null);
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      const d = await api.post('/dashboards', { dashboard: { name, description, visibility } });
      setName('');
      setDescription('');
      setError(null);
      onCreated(d);
    } catch (e) {
      setError(e.message);
    }
  };
  return html`<form class="dashboard-create" onSubmit=${submit} aria-labelledby="new-dashboard">
    <h2 id="new-dashboard">New dashboard</h2>
    <label>Name <input name="name" required value=${name} onInput=${(ev) => setName(ev.currentTarget.value)} /></label>
    <label>Description <input name="description" value=${description} onInput=${(ev) => setDescription(ev.currentTarget.value)} /></label>
    <label
      >Visibility
      <select name="visibility" value=${visibility} onChange=${(ev) => setVisibility(ev.currentTarget.value)}>
        <option value="private">private</option>
        <option value="public">public</option>
      </select>
    </label>
    <button type="submit" class="primary">Create</button>
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
  </form>`;
}

function Row({ d, onChanged, onDeleted }) {
  const [mode, setMode] = useState('view');
  const [name, setName] = useState(d.name);
  const [error, setError] = useState(null);
  const rename = async (ev) => {
    ev.preventDefault();
    try {
      onChanged(await api.patch(`/dashboards/${encodeURIComponent(d.key)}`, { dashboard: { name } }));
      setMode('view');
      setError(null);
    } catch (e) {
      setError(e.message);
    }
  };
  const remove = async () => {
    try {
      await api.del(`/dashboards/${encodeURIComponent(d.key)}`);
      onDeleted(d);
    } catch (e) {
      setError(e.message);
    }
  };
  return html`<li class="dashboard-row">
    ${
      mode === 'rename'
        ? html`<form class="dashboard-rename" onSubmit=${rename}>
            <label>New name for ${d.name} <input value=${name} required onInput=${(ev) => setName(ev.currentTarget.value)} /></label>
            <button type="submit" class="primary">Save</button>
            <button type="button" onClick=${() => setMode('view')}>Cancel</button>
          </form>`
        : html`<div class="dashboard-info">
            <a href=${`#/dashboards/${encodeURIComponent(d.key)}`} class="dashboard-name">${d.name}</a>
            <span class="dashboard-meta">${d.visibility} · ${d.blocks?.length ?? 0} blocks</span>
            ${d.description ? html`<p>${d.description}</p>` : null}
          </div>`
    }
    ${
      mode === 'view'
        ? html`<div class="dashboard-actions">
            <button type="button" onClick=${() => setMode('rename')} aria-label=${`Rename ${d.name}`}>Rename</button>
            <button type="button" class="danger" onClick=${() => setMode('delete')} aria-label=${`Delete ${d.name}`}>Delete</button>
          </div>`
        : null
    }
    ${
      mode === 'delete'
        ? html`<div class="dashboard-actions" role="group" aria-label=${`Confirm deleting ${d.name}`}>
            <span>Delete ${d.name} and its blocks?</span>
            <button type="button" class="danger" onClick=${remove}>Yes, delete</button>
            <button type="button" onClick=${() => setMode('view')}>Cancel</button>
          </div>`
        : null
    }
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
  </li>`;
}

export default function Dashboards() {
  const [list, setList] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api.get('/dashboards').then(setList, (e) => setError(e.message));
  }, []);
  return html`<div class="dashboards-page">
    <h1>Dashboards</h1>
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    ${list === null && !error ? html`<p aria-busy="true">Loading…</p>` : null}
    ${list && list.length === 0 ? html`<p>No dashboards yet.</p>` : null}
    ${
      list
        ? html`<ul class="dashboard-list" aria-label="Your dashboards">
            ${list.map(
              (d) =>
                html`<${Row}
                  key=${d.id}
                  d=${d}
                  onChanged=${(n) => setList((l) => l.map((x) => (x.id === n.id ? n : x)))}
                  onDeleted=${(n) => setList((l) => l.filter((x) => x.id !== n.id))}
                />`,
            )}
          </ul>`
        : null
    }
    <${CreateForm}
      onCreated=${(d) => {
        setList((l) => [...(l ?? []), d]);
        location.hash = `#/dashboards/${encodeURIComponent(d.key)}`;
      }}
    />
  </div>`;
}
