// #/groups: the groups and how many feeds each holds; create, rename, delete.
// #/groups/:key: one group's feeds with live last values; add and remove feeds; rename, delete.
import { api } from '../lib/api.js';
import { errorText, useReconnect } from '../lib/feed-util.js';
import { html, useEffect, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { notify } from '../lib/ui.js';

const enc = encodeURIComponent;

function Rename({ group, onDone }) {
  const [name, setName] = useState(group.name);
  const save = async (e) => {
    e.preventDefault();
    try {
      const g = await api.put(`/groups/${enc(group.key)}`, { group: { name } });
      notify(`Renamed to ${g.name}`);
      onDone(g);
    } catch (err) {
      notify(errorText(err));
    }
  };
  return html`<form class="row" onSubmit=${save}>
    <label for=${`group-rename-${group.key}`} class="visually-hidden">New name for ${group.name}</label>
    <input id=${`group-rename-${group.key}`} required value=${name} onInput=${(e) => setName(e.target.value)} />
    <button type="submit">Save</button>
    <button type="button" onClick=${() => onDone(null)}>Cancel</button>
  </form>`;
}

async function deleteGroup(group) {
  if (!confirm(`Delete group "${group.name}"? Its feeds stay (in their other groups or Default).`)) return false;
  try {
    await api.del(`/groups/${enc(group.key)}`);
    notify(`Group ${group.name} deleted`);
    return true;
  } catch (err) {
    notify(errorText(err));
    return false;
  }
}

function GroupList() {
  const [groups, setGroups] = useState(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [renaming, setRenaming] = useState(null);
  const load = () =>
    api
      .get('/groups')
      .then(setGroups)
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    load();
  }, []);
  useLive('group', () => load());
  useReconnect(load);

  const create = async (e) => {
    e.preventDefault();
    try {
      const g = await api.post('/groups', { group: { name, description } });
      setName('');
      setDescription('');
      notify(`Group ${g.name} created`);
      load();
    } catch (err) {
      notify(errorText(err));
    }
  };

  return html`<section class="groups-page" aria-labelledby="groups-title">
    <header class="page-head"><h1 id="groups-title">Groups</h1></header>
    <form class="card row groups-new" onSubmit=${create} aria-label="New group">
      <label>Name <input required value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      <label>Description <input value=${description} onInput=${(e) => setDescription(e.target.value)} /></label>
      <button type="submit">Create group</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${groups === null && !error ? html`<p aria-busy="true">Loading groups…</p>` : null}
    ${
      groups &&
      html`<table class="table groups-table">
      <caption>${groups.length} groups</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Feeds</th>
        <th scope="col">Description</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${groups.map(
          (g) => html`<tr key=${g.key} data-group=${g.key}>
            <th scope="row">${
              renaming === g.key
                ? html`<${Rename} group=${g} onDone=${() => {
                    setRenaming(null);
                    load();
                  }} />`
                : html`<a href=${`#/groups/${enc(g.key)}`}>${g.name}</a>`
            }</th>
            <td><code>${g.key}</code></td>
            <td>${g.feeds?.length ?? 0}</td>
            <td>${g.description ?? ''}</td>
            <td class="groups-actions">
              <button type="button" onClick=${() => setRenaming(g.key)} aria-label=${`Rename ${g.name}`}>Rename</button>
              <button type="button" class="danger" aria-label=${`Delete ${g.name}`}
                onClick=${async () => (await deleteGroup(g)) && load()}>Delete</button>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`
    }
  </section>`;
}

function GroupDetail({ groupKey, navigate }) {
  const [group, setGroup] = useState(null);
  const [allFeeds, setAllFeeds] = useState([]);
  const [pick, setPick] = useState('');
  const [error, setError] = useState('');
  const [renaming, setRenaming] = useState(false);
  const load = async () => {
    try {
      const [g, f] = await Promise.all([api.get(`/groups/${enc(groupKey)}`), api.get('/feeds')]);
      setGroup(g);
      setAllFeeds(f);
    } catch (err) {
      setError(err.status === 404 ? `There is no group “${groupKey}”.` : errorText(err));
    }
  };
  useEffect(() => {
    setGroup(null);
    load();
  }, [groupKey]);

  useLive('data', (ev) => {
    setGroup((g) =>
      g?.feeds.some((f) => f.key === ev.feed_key)
        ? {
            ...g,
            feeds: g.feeds.map((f) => (f.key === ev.feed_key ? { ...f, last_value: ev.datum.value, status: 'online' } : f)),
          }
        : g,
    );
  });
  useLive('feed', () => load());
  useReconnect(load);

  if (error)
    return html`<section class="groups-page"><h1>Group</h1><p class="error" role="alert">${error}</p>
      <p><a href="#/groups">All groups</a></p></section>`;
  if (!group) return html`<section class="groups-page"><p aria-busy="true">Loading group…</p></section>`;

  const inGroup = new Set(group.feeds.map((f) => f.key));
  const candidates = allFeeds.filter((f) => !inGroup.has(f.key));
  const addFeed = async (e) => {
    e.preventDefault();
    const key = pick || candidates[0]?.key;
    if (!key) return;
    try {
      setGroup(await api.post(`/groups/${enc(group.key)}/add`, { feed_key: key }));
      setPick('');
      notify('Feed added to the group');
    } catch (err) {
      notify(errorText(err));
    }
  };
  const removeFeed = async (feed) => {
    try {
      setGroup(await api.post(`/groups/${enc(group.key)}/remove`, { feed_key: feed.key }));
      notify(`${feed.name} removed from the group`);
    } catch (err) {
      notify(errorText(err));
    }
  };

  return html`<section class="groups-page group-detail" aria-labelledby="group-title">
    <header class="group-head">
      <p class="crumbs"><a href="#/groups">Groups</a> /</p>
      ${
        renaming
          ? html`<${Rename} group=${group} onDone=${(g) => {
              setRenaming(false);
              if (g) setGroup({ ...group, ...g });
            }} />`
          : html`<h1 id="group-title">${group.name}</h1>`
      }
      <p><code>${group.key}</code> ${group.description ? ` · ${group.description}` : ''}</p>
      <div class="group-actions">
        <button type="button" onClick=${() => setRenaming(true)}>Rename</button>
        <button type="button" class="danger" onClick=${async () => (await deleteGroup(group)) && navigate('#/groups')}>Delete group</button>
      </div>
    </header>
    <table class="table groups-feeds">
      <caption>Feeds in ${group.name}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Last value</th>
        <th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
      <tbody>
        ${group.feeds.map(
          (f) => html`<tr key=${f.key} data-feed=${f.key}>
            <th scope="row"><a href=${`#/feeds/${enc(f.key)}`}>${f.name}</a></th>
            <td><code>${f.key}</code></td>
            <td class="groups-value">${f.last_value ?? '—'}</td>
            <td><span class=${f.status === 'online' ? 'badge ok' : 'badge'}>${f.status}</span></td>
            <td><button type="button" onClick=${() => removeFeed(f)} aria-label=${`Remove ${f.name} from ${group.name}`}>Remove</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${group.feeds.length === 0 ? html`<p class="muted">No feeds in this group.</p>` : null}
    ${
      candidates.length > 0 &&
      html`<form class="row group-add" onSubmit=${addFeed}>
      <label>Add feed
        <select value=${pick} onChange=${(e) => setPick(e.target.value)}>
          ${candidates.map((f) => html`<option value=${f.key}>${f.name} (${f.key})</option>`)}
        </select>
      </label>
      <button type="submit">Add to group</button>
    </form>`
    }
  </section>`;
}

export default function GroupsPage({ params, navigate }) {
  return params?.key ? html`<${GroupDetail} groupKey=${params.key} navigate=${navigate} />` : html`<${GroupList} />`;
}
