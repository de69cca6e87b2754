// The account's activity log (creates, updates, deletes), newest first, paged with the API's
// cursor, filtered by kind; new activity shows a "new entries" prompt rather than moving the page.
import { api, ApiError } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { Ago, ErrorBox, Field, Spinner, Table } from '../lib/ui.js';

const TYPES = ['', 'feed', 'group', 'dashboard', 'block', 'token', 'action', 'permission'];
const PAGE = 25;

function summary(a) {
  try {
    const d = JSON.parse(a.data);
    return d.name ?? d.key ?? (d.id !== undefined ? `#${d.id}` : '');
  } catch {
    return '';
  }
}

export default function Activities({ params, navigate }) {
  const type = params.type ?? '';
  const [pages, setPages] = useState([undefined]);
  const [rows, setRows] = useState(null);
  const [total, setTotal] = useState(0);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [fresh, setFresh] = useState(false);
  const before = pages[pages.length - 1];

  const load = async () => {
    setError(null);
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (before) q.set('before', before);
    try {
      const res = await api.raw(`/activities${type ? `/${type}` : ''}?${q}`, 'application/json');
      const body = await res.json();
      if (!res.ok) throw new ApiError(res.status, body.error ?? res.statusText);
      setRows(body);
      setTotal(Number(res.headers.get('x-pagination-total') ?? body.length));
      setNext(body.length === PAGE ? String(body[body.length - 1].id) : null);
      setFresh(false);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
  }, [type, before]);
  for (const kind of ['feed', 'group', 'dashboard', 'block']) useLive(kind, () => setFresh(true));

  const setType = (t) => {
    setPages([undefined]);
    navigate(t ? `activities?type=${t}` : 'activities');
  };
  const clearAll = async () => {
    await api.del('/activities');
    setPages([undefined]);
    load();
  };

  return html`<section aria-labelledby="activities-title">
    <div class="page-head">
      <h1 id="activities-title">Activities</h1>
      <div class="actions"><button type="button" class="danger" onClick=${clearAll}>Clear all</button></div>
    </div>
    <div class="row">
      <${Field} label="Kind" id="activity-type">
        <select id="activity-type" value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
          ${TYPES.map((t) => html`<option value=${t}>${t || 'all'}</option>`)}
        </select>
      <//>
    </div>
    ${fresh && html`<p role="status"><button type="button" class="link" onClick=${() => (pages.length > 1 ? setPages([undefined]) : load())}>New activity: show the newest</button></p>`}
    <${ErrorBox} error=${error} retry=${load} />
    ${
      rows === null
        ? html`<${Spinner} />`
        : html`<${Table}
            caption=${`${total} activities${type ? ` of kind ${type}` : ''}, newest first`}
            rows=${rows}
            empty="No activity."
            columns=${[
              { key: 'created_at', label: 'When', render: (a) => html`<${Ago} time=${a.created_at} />` },
              { key: 'action', label: 'Action' },
              { key: 'model', label: 'Kind' },
              { key: 'what', label: 'What', render: summary },
            ]}
          />
          <nav class="pager" aria-label="Activity pages">
            <button type="button" disabled=${pages.length === 1} onClick=${() => setPages(pages.slice(0, -1))}>Newer</button>
            <span>Page ${pages.length}</span>
            <button type="button" disabled=${!next} onClick=${() => setPages([...pages, next])}>Older</button>
          </nav>`
    }
  </section>`;
}
