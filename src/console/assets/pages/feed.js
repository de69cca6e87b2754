// #/feeds/:key: one feed's chart (ranges from data/chart, live points from the event stream), its
// data newest first one page at a time, downloads, settings, webhook receivers, sharing, snippets.
// It asks only for what it shows: one chart at the API's resolution and one page of rows, so a
// feed of a million points opens as fast as an empty one.
import { api } from '../lib/api.js';
import { Chart } from '../lib/chart.js';
import { allData, dataPage, errorText, saveBlob, toCsv, useReconnect } from '../lib/feed-util.js';
import { html, useEffect, useRef, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { Ago, Copy, notify } from '../lib/ui.js';

const HOUR = 3_600_000;
export const RANGES = [
  { id: 'live', label: 'Live', ms: HOUR },
  { id: '1h', label: '1 h', ms: HOUR },
  { id: '24h', label: '24 h', ms: 24 * HOUR },
  { id: '7d', label: '7 d', ms: 7 * 24 * HOUR },
  { id: '30d', label: '30 d', ms: 30 * 24 * HOUR },
  { id: 'custom', label: 'Custom' },
];
const PAGE = 25;
/** Live points older than this are dropped from the chart (it shows the last hour). */
const LIVE_KEEP_MS = HOUR;

const enc = encodeURIComponent;
const pointTime = (d) => (d.created_epoch !== undefined ? d.created_epoch * 1000 : Date.parse(d.created_at));

function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function ChartPanel({ feed, range, setRange, livePoints, epoch }) {
  const [points, setPoints] = useState(null);
  const [params, setParams] = useState(null);
  const [error, setError] = useState('');
  const [custom, setCustom] = useState(() => ({
    start: localInput(Date.now() - 24 * HOUR),
    end: localInput(Date.now()),
  }));
  const [customApplied, setCustomApplied] = useState(custom);

  useEffect(() => {
    let gone = false;
    const q = new URLSearchParams();
    if (range === 'custom') {
      q.set('start_time', new Date(customApplied.start).toISOString());
      q.set('end_time', new Date(customApplied.end).toISOString());
    } else {
      const r = RANGES.find((x) => x.id === range);
      q.set('hours', String(r.ms / HOUR));
    }
    setError('');
    api
      .get(`/feeds/${enc(feed.key)}/data/chart?${q}`)
      .then((res) => {
        if (gone) return;
        setParams(res.parameters);
        setPoints(res.data.map(([t, v]) => [Date.parse(t), v === null ? null : Number(v)]));
      })
      .catch((err) => !gone && setError(errorText(err)));
    return () => {
      gone = true;
    };
  }, [feed.key, range, customApplied, epoch]);

  const shown = points ?? [];
  const since = Date.now() - LIVE_KEEP_MS;
  const series = [
    {
      label: feed.unit_symbol ? `${feed.name} (${feed.unit_symbol})` : feed.name,
      points: range === 'live' ? shown.concat(livePoints.filter((p) => p[0] >= since)) : shown,
    },
  ];

  // The time axis shows the window asked for; live, the last hour up to the newest point.
  const last = series[0].points[series[0].points.length - 1];
  const bounds =
    range === 'live'
      ? [Math.max(Date.now(), last?.[0] ?? 0) - LIVE_KEEP_MS, Math.max(Date.now(), last?.[0] ?? 0)]
      : params
        ? [Date.parse(params.start_time), Date.parse(params.end_time)]
        : [undefined, undefined];
  return html`<section class="card feed-chart" aria-labelledby="chart-title">
    <h2 id="chart-title">Chart</h2>
    <div class="feed-ranges" role="group" aria-label="Chart range">
      ${RANGES.map(
        (r) => html`<button type="button" aria-pressed=${range === r.id} class=${range === r.id ? 'active' : ''}
          onClick=${() => setRange(r.id)}>${r.label}</button>`,
      )}
    </div>
    ${
      range === 'custom' &&
      html`<form class="feed-custom" onSubmit=${(e) => {
        e.preventDefault();
        setCustomApplied({ ...custom });
      }}>
      <label>From <input type="datetime-local" required value=${custom.start}
        onInput=${(e) => setCustom({ ...custom, start: e.target.value })} /></label>
      <label>To <input type="datetime-local" required value=${custom.end}
        onInput=${(e) => setCustom({ ...custom, end: e.target.value })} /></label>
      <button type="submit">Show</button>
    </form>`
    }
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${points === null && !error ? html`<p aria-busy="true">Loading chart…</p>` : null}
    <${Chart} series=${series} live=${range === 'live'} label=${`Chart of ${feed.name}`} xMin=${bounds[0]} xMax=${bounds[1]} />
    ${
      params &&
      html`<p class="muted feed-chart-note">
      ${params.resolution ? `Average per ${params.resolution} min` : 'Raw points'}${range === 'live' ? ', plus points as they arrive' : ''}
    </p>`
    }
  </section>`;
}

function DataRow({ feed, row, onChanged, onDeleted }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(String(row.value ?? ''));
  const save = async (e) => {
    e.preventDefault();
    try {
      const updated = await api.put(`/feeds/${enc(feed.key)}/data/${enc(row.id)}`, { datum: { value } });
      setEditing(false);
      onChanged(updated);
      notify('Point updated');
    } catch (err) {
      notify(errorText(err));
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the point ${row.value} of ${row.created_at}?`)) return;
    try {
      await api.del(`/feeds/${enc(feed.key)}/data/${enc(row.id)}`);
      onDeleted(row.id);
      notify('Point deleted');
    } catch (err) {
      notify(errorText(err));
    }
  };
  const at = pointTime(row);
  return html`<tr data-id=${row.id}>
    <td><time datetime=${row.created_at} title=${row.created_at}>${new Date(at).toLocaleString()}</time>
      <span class="muted"> · <${Ago} time=${at} /></span></td>
    <td class="feed-value">
      ${
        editing
          ? html`<form class="feed-edit" onSubmit=${save}>
              <label class="visually-hidden" for=${`edit-${row.id}`}>New value</label>
              <input id=${`edit-${row.id}`} value=${value} onInput=${(e) => setValue(e.target.value)} />
              <button type="submit">Save</button>
              <button type="button" onClick=${() => setEditing(false)}>Cancel</button>
            </form>`
          : html`<span class="value">${row.value}</span>`
      }
    </td>
    <td class="feed-row-actions">
      <button type="button" onClick=${() => setEditing(true)} aria-label=${`Edit point ${row.id}`}>Edit</button>
      <button type="button" class="danger" onClick=${remove} aria-label=${`Delete point ${row.id}`}>Delete</button>
    </td>
  </tr>`;
}

function DataPanel({ feed, incoming, onAdded, epoch }) {
  const [page, setPage] = useState(null);
  // Cursors of the pages before this one, so "Newer" can go back; [] on the newest page.
  const [stack, setStack] = useState([]);
  const [error, setError] = useState('');
  const [value, setValue] = useState('');

  const load = async (before) => {
    try {
      setPage({ ...(await dataPage(feed.key, { limit: PAGE, before })), cursor: before });
      setError('');
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => {
    setStack([]);
    load(undefined);
  }, [feed.key, epoch]);

  // New points go on top while the newest page is shown.
  const seen = useRef(0);
  useEffect(() => {
    if (!page || stack.length > 0 || incoming.length === seen.current) return;
    const fresh = incoming.slice(seen.current);
    seen.current = incoming.length;
    setPage((p) => {
      const ids = new Set(p.rows.map((r) => r.id));
      const add = fresh.filter((d) => !ids.has(d.id)).reverse();
      return { ...p, rows: add.concat(p.rows).slice(0, PAGE), total: p.total + add.length };
    });
  }, [incoming, page, stack]);

  const add = async (e) => {
    e.preventDefault();
    try {
      const d = await api.post(`/feeds/${enc(feed.key)}/data`, { value });
      setValue('');
      onAdded(d);
      notify(`Added ${d.value}`);
    } catch (err) {
      notify(errorText(err));
    }
  };
  const older = () => {
    setStack([...stack, page.cursor]);
    load(page.next);
  };
  const newer = () => {
    setStack(stack.slice(0, -1));
    load(stack[stack.length - 1]);
  };

  return html`<section class="card feed-data" aria-labelledby="data-title">
    <h2 id="data-title">Data</h2>
    <form class="feed-add" onSubmit=${add}>
      <label for="feed-add-value">New value</label>
      <input id="feed-add-value" required value=${value} onInput=${(e) => setValue(e.target.value)} />
      <button type="submit">Add point</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${page === null && !error ? html`<p aria-busy="true">Loading data…</p>` : null}
    ${
      page &&
      html`<table class="table feed-table">
        <caption>${Number.isNaN(page.total) ? '' : `${page.total} ${page.total === 1 ? 'point' : 'points'}, `}newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Value</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          ${page.rows.map(
            (r) => html`<${DataRow} key=${r.id} feed=${feed} row=${r}
              onChanged=${(u) => setPage((p) => ({ ...p, rows: p.rows.map((x) => (x.id === u.id ? u : x)) }))}
              onDeleted=${(id) => setPage((p) => ({ ...p, rows: p.rows.filter((x) => x.id !== id), total: p.total - 1 }))} />`,
          )}
        </tbody>
      </table>
      ${page.rows.length === 0 ? html`<p class="muted">No data yet.</p>` : null}
      <nav class="pager" aria-label="Data pages">
        <button type="button" disabled=${stack.length === 0} onClick=${newer}>Newer</button>
        <button type="button" disabled=${!page.next} onClick=${older}>Older</button>
      </nav>`
    }
    <${Downloads} feed=${feed} />
  </section>`;
}

function Downloads({ feed }) {
  const [progress, setProgress] = useState(null);
  const download = async (format) => {
    setProgress(0);
    try {
      const rows = await allData(feed.key, setProgress);
      if (format === 'csv') saveBlob(toCsv(rows), 'text/csv', `${feed.key}.csv`);
      else saveBlob(JSON.stringify(rows, null, 1), 'application/json', `${feed.key}.json`);
    } catch (err) {
      notify(errorText(err));
    } finally {
      setProgress(null);
    }
  };
  return html`<div class="feed-downloads">
    <button type="button" disabled=${progress !== null} onClick=${() => download('csv')}>Download CSV</button>
    <button type="button" disabled=${progress !== null} onClick=${() => download('json')}>Download JSON</button>
    ${progress !== null && html`<span role="status">${progress} points read…</span>`}
  </div>`;
}

function Settings({ feed, onSaved }) {
  const [f, setF] = useState(feed);
  // Not on every live value (that would wipe what is being typed): only when the settings change.
  useEffect(() => setF(feed), [feed.key, feed.updated_at]);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const save = async (e) => {
    e.preventDefault();
    try {
      const body = {
        name: f.name,
        description: f.description ?? '',
        unit_type: f.unit_type ?? '',
        unit_symbol: f.unit_symbol ?? '',
        history: f.history,
        visibility: f.visibility,
        status_notify: f.status_notify,
        status_timeout: Number(f.status_timeout),
        license: f.license ?? '',
      };
      onSaved(await api.put(`/feeds/${enc(feed.key)}`, { feed: body }));
      notify('Settings saved');
    } catch (err) {
      notify(errorText(err));
    }
  };
  return html`<section class="card feed-settings" aria-labelledby="settings-title">
    <h2 id="settings-title">Settings</h2>
    <form onSubmit=${save}>
      <label>Name <input name="name" required value=${f.name} onInput=${set('name')} /></label>
      <label>Description <textarea name="description" value=${f.description ?? ''} onInput=${set('description')}></textarea></label>
      <label>Unit type <input name="unit_type" value=${f.unit_type ?? ''} onInput=${set('unit_type')} /></label>
      <label>Unit symbol <input name="unit_symbol" value=${f.unit_symbol ?? ''} onInput=${set('unit_symbol')} /></label>
      <label class="check"><input type="checkbox" name="history" checked=${f.history} onChange=${set('history')} /> Keep history</label>
      <label>Visibility
        <select name="visibility" value=${f.visibility} onChange=${set('visibility')}>
          <option value="private">Private</option><option value="public">Public</option>
        </select>
      </label>
      <label class="check"><input type="checkbox" name="status_notify" checked=${f.status_notify} onChange=${set('status_notify')} /> Notify when offline</label>
      <label>Offline after (minutes)
        <input type="number" name="status_timeout" min="1" value=${f.status_timeout} onInput=${set('status_timeout')} />
      </label>
      <label>License <input name="license" value=${f.license ?? ''} onInput=${set('license')} /></label>
      <button type="submit">Save settings</button>
    </form>
  </section>`;
}

function Webhooks({ feed }) {
  const [list, setList] = useState(null);
  const [kind, setKind] = useState('data');
  const [created, setCreated] = useState(null);
  const [error, setError] = useState('');
  const base = `/feeds/${enc(feed.key)}/webhooks`;
  const load = () =>
    api
      .get(base)
      .then(setList)
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    load();
  }, [feed.key]);
  const create = async (e) => {
    e.preventDefault();
    try {
      setCreated(await api.post(base, { webhook: { kind } }));
      load();
    } catch (err) {
      notify(errorText(err));
    }
  };
  const remove = async (id) => {
    if (!confirm('Delete this webhook receiver? Its URL stops working.')) return;
    try {
      await api.del(`${base}/${enc(id)}`);
      load();
    } catch (err) {
      notify(errorText(err));
    }
  };
  return html`<div class="feed-webhooks">
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      list &&
      html`<ul class="plain-list">
      ${list.map(
        (w) => html`<li>${w.kind} receiver, created ${w.created_at}
          <button type="button" class="danger" onClick=${() => remove(w.id)} aria-label=${`Delete ${w.kind} receiver ${w.id}`}>Delete</button></li>`,
      )}
      ${list.length === 0 ? html`<li class="muted">None.</li>` : null}
    </ul>`
    }
    <form class="row" onSubmit=${create}>
      <label>Kind
        <select value=${kind} onChange=${(e) => setKind(e.target.value)}>
          <option value="data">data (value or payload fields)</option>
          <option value="raw">raw (the body)</option>
          <option value="notify">notify ("ping")</option>
        </select>
      </label>
      <button type="submit">Create receiver</button>
    </form>
    ${
      created &&
      html`<p class="feed-secret" role="status">The receiver's URL, shown only now:
      <code>${created.url}</code> <${Copy} text=${created.url} label="Copy URL" /></p>`
    }
  </div>`;
}

function Sharing({ feed }) {
  const [list, setList] = useState(null);
  const [who, setWho] = useState('');
  const [mode, setMode] = useState('r');
  const [error, setError] = useState('');
  const base = `/feeds/${enc(feed.key)}/acl`;
  const load = () =>
    api
      .get(base)
      .then(setList)
      .catch((err) => setError(errorText(err)));
  useEffect(() => {
    load();
  }, [feed.key]);
  const share = async (e) => {
    e.preventDefault();
    try {
      await api.post(base, { permission: { scope: 'user', scope_value: who, mode } });
      setWho('');
      load();
    } catch (err) {
      notify(errorText(err));
    }
  };
  const remove = async (id) => {
    try {
      await api.del(`${base}/${enc(id)}`);
      load();
    } catch (err) {
      notify(errorText(err));
    }
  };
  const modeText = { r: 'read', w: 'write', rw: 'read and write' };
  return html`<div class="feed-sharing">
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${
      list &&
      html`<ul class="plain-list">
      ${list.map(
        (p) => html`<li>${p.scope === 'public' ? 'Everyone' : p.scope_value}: ${modeText[p.mode] ?? p.mode}
          <button type="button" class="danger" onClick=${() => remove(p.id)}
            aria-label=${`Stop sharing with ${p.scope_value ?? 'everyone'}`}>Remove</button></li>`,
      )}
      ${list.length === 0 ? html`<li class="muted">Not shared.</li>` : null}
    </ul>`
    }
    <form class="row" onSubmit=${share}>
      <label>Username <input required value=${who} onInput=${(e) => setWho(e.target.value)} /></label>
      <label>May
        <select value=${mode} onChange=${(e) => setMode(e.target.value)}>
          <option value="r">read</option><option value="w">write</option><option value="rw">read and write</option>
        </select>
      </label>
      <button type="submit">Share</button>
    </form>
  </div>`;
}

function Snippets({ feed, username }) {
  const topic = `${username}/feeds/${feed.key}`;
  const origin = location.origin;
  const curl = `curl -X POST -H "X-AIO-Key: YOUR_KEY" -H "Content-Type: application/json" \\
  -d '{"value": 42}' ${origin}/api/v2/${username}/feeds/${feed.key}/data`;
  return html`<section class="card feed-snippets" aria-labelledby="snippets-title">
    <h2 id="snippets-title">Use this feed</h2>
    <dl>
      <dt>MQTT topic</dt>
      <dd><code class="snippet-topic">${topic}</code> <${Copy} text=${topic} label="Copy MQTT topic" /></dd>
      <dt>MQTT topic, JSON records</dt>
      <dd><code>${topic}/json</code> <${Copy} text=${`${topic}/json`} label="Copy JSON topic" /></dd>
      <dt>HTTP</dt>
      <dd><pre class="snippet-curl"><code>${curl}</code></pre> <${Copy} text=${curl} label="Copy curl command" /></dd>
    </dl>
  </section>`;
}

/**
 * A section folded until opened; its body mounts (and fetches) only then, so opening the page
 * asks for nothing it does not show.
 */
function Fold({ id, title, children }) {
  const [open, setOpen] = useState(false);
  return html`<details class=${`card feed-fold ${id}-fold`} onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary><h2 id=${`${id}-title`}>${title}</h2></summary>
    ${open ? children() : null}
  </details>`;
}

export default function FeedPage({ params, session, navigate }) {
  const key = params.key;
  const [feed, setFeed] = useState(null);
  const [error, setError] = useState('');
  const [range, setRange] = useState('live');
  const [livePoints, setLivePoints] = useState([]);
  const [incoming, setIncoming] = useState([]);
  const ids = useRef(new Set());
  // Bumped when the live stream returns from a drop: the chart and table are read again.
  const [epoch, setEpoch] = useState(0);

  useEffect(() => {
    setFeed(null);
    setError('');
    setLivePoints([]);
    setIncoming([]);
    ids.current = new Set();
    api
      .get(`/feeds/${enc(key)}`)
      .then(setFeed)
      .catch((err) => setError(err.status === 404 ? `There is no feed “${key}”.` : errorText(err)));
  }, [key]);

  // A point is counted once whether it comes from this page's own POST or the stream.
  const arrived = (datum) => {
    if (ids.current.has(datum.id)) return;
    ids.current.add(datum.id);
    const v = Number(datum.value);
    setLivePoints((pts) => pts.concat([[pointTime(datum), Number.isFinite(v) ? v : null]]));
    setIncoming((list) => list.concat([datum]));
    setFeed((f) => (f ? { ...f, last_value: datum.value, status: 'online' } : f));
  };
  useReconnect(() => {
    setLivePoints([]);
    setEpoch((n) => n + 1);
    api.get(`/feeds/${enc(key)}`).then(setFeed, () => {});
  });
  useLive('data', (ev) => {
    if (ev.feed_key === key || (feed && ev.feed_id === feed.id)) arrived(ev.datum);
  });

  if (error)
    return html`<section class="feed-page"><h1>Feed</h1><p class="error" role="alert">${error}</p>
    <p><a href="#/feeds">All feeds</a></p></section>`;
  // The chart and the table need only the key: they load alongside the feed record, not after it.
  const shown = feed ?? { key, name: key, status: '', last_value: null };

  const remove = async () => {
    if (!confirm(`Delete feed "${feed.name}" and all its data?`)) return;
    try {
      await api.del(`/feeds/${enc(feed.key)}`);
      notify(`Feed ${feed.name} deleted`);
      navigate('#/feeds');
    } catch (err) {
      notify(errorText(err));
    }
  };
  const keyOnly = session?.kind !== 'token';

  const rest =
    feed &&
    html`<${Snippets} feed=${feed} username=${session?.username ?? 'YOUR_USERNAME'} />
    <${Settings} feed=${feed} onSaved=${(f) => setFeed(f)} />
    ${keyOnly ? html`<${Fold} id="webhooks" title="Webhook receivers">${() => html`<${Webhooks} feed=${feed} />`}<//>` : null}
    ${keyOnly ? html`<${Fold} id="sharing" title="Sharing">${() => html`<${Sharing} feed=${feed} />`}<//>` : null}
    <section class="card feed-danger" aria-labelledby="danger-title">
      <h2 id="danger-title">Delete</h2>
      <button type="button" class="danger" onClick=${remove}>Delete this feed</button>
    </section>
`;

  return html`<section class="feed-page" aria-labelledby="feed-title">
    <header class="feed-head">
      <p class="crumbs"><a href="#/feeds">Feeds</a> /</p>
      <h1 id="feed-title">${shown.name}</h1>
      <p class="feed-meta">
        <code>${shown.key}</code>
        ${feed && html`<span class=${feed.status === 'online' ? 'badge ok' : 'badge'}>${feed.status}</span>`}
        <span>Last value: <strong class="feed-last">${shown.last_value ?? '—'}</strong>${shown.unit_symbol ? ` ${shown.unit_symbol}` : ''}</span>
      </p>
      ${shown.description ? html`<p>${shown.description}</p>` : null}
    </header>
    <${ChartPanel} feed=${shown} range=${range} setRange=${setRange} livePoints=${livePoints} epoch=${epoch} />
    <${DataPanel} feed=${shown} incoming=${incoming} onAdded=${arrived} epoch=${epoch} />
    ${feed ? rest : html`<p aria-busy="true">Loading feed…</p>`}
  </section>`;
}
