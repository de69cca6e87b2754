// #/feeds: every feed under its groups, live last values, search, create, rename, delete.
import { api } from '../lib/api.js';
import { errorText, groupFeeds, matchesSearch, useReconnect } from '../lib/feed-util.js';
import { html, useEffect, useMemo, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { Ago, notify } from '../lib/ui.js';

/**
 * When each feed's last value arrived. The feed record has the value but not its time, so it is
 * read once per feed from data/last (a handful of small requests) and kept fresh from live events.
 */
async function lastTimes(feeds) {
  const out = {};
  const queue = feeds.filter((f) => f.last_value !== null);
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      try {
        const d = await api.get(`/feeds/${encodeURIComponent(f.key)}/data/last?include=created_at,created_epoch`);
        if (d?.created_epoch !== undefined) out[f.key] = d.created_epoch * 1000;
        else if (d?.created_at) out[f.key] = Date.parse(d.created_at);
      } catch {}
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

function NewFeed({ groups, onCreated }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [group, setGroup] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body = { feed: { name, description } };
      const feed = group ? await api.post(`/groups/${encodeURIComponent(group)}/feeds`, body) : await api.post('/feeds', body);
      setName('');
      setDescription('');
      notify(`Feed ${feed.name} created`);
      onCreated(feed);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card row feeds-new" onSubmit=${submit} aria-label="New feed">
    <label>Name <input name="name" required value=${name} onInput=${(e) => setName(e.target.value)} /></label>
    <label>Description
      <input name="description" value=${description} onInput=${(e) => setDescription(e.target.value)} />
    </label>
    <label>Group
      <select name="group" value=${group} onChange=${(e) => setGroup(e.target.value)}>
        <option value="">Default</option>
        ${groups.filter((g) => g.key !== 'default').map((g) => html`<option value=${g.key}>${g.name}</option>`)}
      </select>
    </label>
    <button type="submit" disabled=${busy}>Create feed</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

function FeedRow({ feed, at, onRenamed, onDeleted }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(feed.name);
  const rename = async (e) => {
    e.preventDefault();
    try {
      const updated = await api.put(`/feeds/${encodeURIComponent(feed.key)}`, { feed: { name } });
      setEditing(false);
      notify(`Renamed to ${updated.name}`);
      onRenamed(feed.key, updated);
    } catch (err) {
      notify(errorText(err));
    }
  };
  const remove = async () => {
    if (!confirm(`Delete feed "${feed.name}" and all its data?`)) return;
    try {
      await api.del(`/feeds/${encodeURIComponent(feed.key)}`);
      notify(`Feed ${feed.name} deleted`);
      onDeleted(feed.key);
    } catch (err) {
      notify(errorText(err));
    }
  };
  return html`<tr data-feed=${feed.key}>
    <th scope="row">
      ${
        editing
          ? html`<form class="feeds-rename" onSubmit=${rename}>
              <label class="visually-hidden" for=${`rename-${feed.key}`}>New name for ${feed.name}</label>
              <input id=${`rename-${feed.key}`} value=${name} required onInput=${(e) => setName(e.target.value)} />
              <button type="submit">Save</button>
              <button type="button" onClick=${() => setEditing(false)}>Cancel</button>
            </form>`
          : html`<a href=${`#/feeds/${encodeURIComponent(feed.key)}`}>${feed.name}</a>`
      }
    </th>
    <td><code>${feed.key}</code></td>
    <td class="feeds-value">${feed.last_value ?? '—'}${feed.unit_symbol ? ` ${feed.unit_symbol}` : ''}</td>
    <td><span class=${feed.status === 'online' ? 'badge ok' : 'badge'}>${feed.status}</span></td>
    <td class="feeds-age"><${Ago} time=${at} /></td>
    <td class="feeds-actions">
      <button type="button" onClick=${() => setEditing(true)} aria-label=${`Rename ${feed.name}`}>Rename</button>
      <button type="button" class="danger" onClick=${remove} aria-label=${`Delete ${feed.name}`}>Delete</button>
    </td>
  </tr>`;
}

export default function FeedsPage() {
  const [feeds, setFeeds] = useState(null);
  const [groups, setGroups] = useState([]);
  const [times, setTimes] = useState({});
  const [query, setQuery] = useState('');
  const [error, setError] = useState('');
  const [showNew, setShowNew] = useState(false);

  const load = async () => {
    try {
      const [f, g] = await Promise.all([api.get('/feeds'), api.get('/groups')]);
      setFeeds(f);
      setGroups(g);
      setTimes(await lastTimes(f));
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    load();
  }, []);

  useLive('data', (ev) => {
    setFeeds((list) => list?.map((f) => (f.key === ev.feed_key ? { ...f, last_value: ev.datum.value, status: 'online' } : f)));
    const at = ev.datum.created_epoch !== undefined ? ev.datum.created_epoch * 1000 : Date.parse(ev.datum.created_at);
    setTimes((t) => ({ ...t, [ev.feed_key]: at }));
  });
  // Feeds and groups made or removed elsewhere (another tab, the API, MQTT auto-create).
  useLive('feed', () => load());
  useLive('group', () => load());
  useReconnect(load);

  const sections = useMemo(
    () =>
      groupFeeds(feeds ?? [])
        .map((s) => ({ ...s, feeds: s.feeds.filter((f) => matchesSearch(f, query)) }))
        .filter((s) => s.feeds.length > 0),
    [feeds, query],
  );

  const onRenamed = (oldKey, updated) => setFeeds((list) => list.map((f) => (f.key === oldKey ? { ...f, ...updated } : f)));
  const onDeleted = (key) => setFeeds((list) => list.filter((f) => f.key !== key));

  return html`<section class="feeds-page" aria-labelledby="feeds-title">
    <header class="page-head">
      <h1 id="feeds-title">Feeds</h1>
      <div class="actions">
        <button type="button" class="button primary" aria-expanded=${showNew} onClick=${() => setShowNew(!showNew)}>New feed</button>
      </div>
    </header>
    ${
      showNew &&
      html`<${NewFeed} groups=${groups} onCreated=${() => {
        setShowNew(false);
        load();
      }} />`
    }
    <div class="feeds-search">
      <label for="feeds-search">Search feeds</label>
      <input id="feeds-search" type="search" placeholder="Name or key" value=${query}
        onInput=${(e) => setQuery(e.target.value)} />
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${feeds === null && !error ? html`<p aria-busy="true">Loading feeds…</p>` : null}
    ${
      feeds !== null && sections.length === 0
        ? html`<p class="feeds-empty">${query ? `No feed matches “${query}”.` : 'No feeds yet.'}</p>`
        : null
    }
    ${sections.map(
      (s) => html`<div class="feeds-group" data-group=${s.key}>
        <table class="table feeds-table">
          <caption><a href=${`#/groups/${encodeURIComponent(s.key)}`}>${s.name}</a> <span class="muted">(${s.feeds.length})</span></caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Last value</th>
            <th scope="col">Status</th><th scope="col">Last updated</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            ${s.feeds.map(
              (f) => html`<${FeedRow} key=${f.key} feed=${f} at=${times[f.key]}
                onRenamed=${onRenamed} onDeleted=${onDeleted} />`,
            )}
          </tbody>
        </table>
      </div>`,
    )}
  </section>`;
}
