// #/dashboards/:key: the dashboard's blocks on the grid of the current breakpoint, values live; settings
// (color_mode, block_borders, header…); "Edit layout" to move/resize blocks per breakpoint (pointer and
// keyboard) and save them with update_layouts; add, edit and delete blocks.
import { BlockView, blockTitle } from '../blocks/index.js';
import { BLOCK_TYPES, COMMON_PROPS } from '../blocks/types.js';
import { api } from '../lib/api.js';
import { html, useEffect, useRef, useState } from '../lib/html.js';
import { BREAKPOINTS, COLUMNS, Grid, entriesFor, place, useBreakpoint } from '../lib/layout.js';
import { useLive } from '../lib/live.js';

const path = (key, rest = '') => `/dashboards/${encodeURIComponent(key)}${rest}`;

/** A native modal <dialog> (the browser traps focus and Escape closes it), open while mounted. */
function Modal({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.open && d.close();
  }, []);
  return html`<dialog ref=${ref} class="modal" aria-label=${title} onClose=${onClose} onCancel=${onClose}>
    <h2>${title}</h2>
    ${children}
  </dialog>`;
}

/** Block properties as form rows: the type's known keys, plus any other key as JSON. */
function BlockForm({ block, feeds, onSave, onCancel }) {
  const [type, setType] = useState(block?.visual_type ?? 'gauge');
  const [name, setName] = useState(block?.name ?? '');
  const [chosen, setChosen] = useState(() => (block?.block_feeds ?? []).map((bf) => String(bf.feed.id)));
  const [props, setProps] = useState(() => ({ ...(block?.properties ?? {}) }));
  const [error, setError] = useState(null);
  const spec = BLOCK_TYPES[type];
  const known = [...spec.props, ...COMMON_PROPS];
  const extra = Object.fromEntries(Object.entries(props).filter(([k]) => !known.includes(k)));
  const [extraText, setExtraText] = useState(() => JSON.stringify(extra, null, 1));
  const submit = async (ev) => {
    ev.preventDefault();
    let more;
    try {
      more = extraText.trim() === '' ? {} : JSON.parse(extraText);
      if (typeof more !== 'object' || more === null || Array.isArray(more)) throw new Error();
    } catch {
      setError('Other properties must be a JSON object.');
      return;
    }
    const properties = {};
    for (const k of known) if (props[k] !== undefined && props[k] !== '') properties[k] = props[k];
    Object.assign(properties, more);
    const ids = spec.feeds === 0 ? [] : spec.feeds === 1 ? chosen.slice(0, 1) : chosen;
    const body = { visual_type: type, name, properties, block_feeds: ids.map((id) => ({ feed_id: id })) };
    if (!block) [body.size_x, body.size_y] = spec.size;
    try {
      await onSave(body);
    } catch (e) {
      setError(e.message);
    }
  };
  const setProp = (k, v) => setProps((p) => ({ ...p, [k]: v }));
  const feedInput = (f) => {
    const id = String(f.id);
    const on = chosen.includes(id);
    const multiple = spec.feeds === 'n';
    return html`<label class="check">
      <input
        type=${multiple ? 'checkbox' : 'radio'}
        name="block-feed"
        value=${id}
        checked=${on}
        onChange=${(ev) => {
          const checked = ev.currentTarget.checked;
          setChosen((c) => (multiple ? (checked ? [...c, id] : c.filter((x) => x !== id)) : [id]));
        }}
      />
      ${f.name} <code>${f.key}</code>
    </label>`;
  };
  return html`<form class="block-form" onSubmit=${submit}>
    <label
      >Block type
      <select value=${type} onChange=${(ev) => setType(ev.currentTarget.value)} disabled=${!!block}>
        ${Object.entries(BLOCK_TYPES).map(([t, s]) => html`<option value=${t}>${s.name}</option>`)}
      </select>
    </label>
    <label>Block name <input value=${name} onInput=${(ev) => setName(ev.currentTarget.value)} /></label>
    ${
      spec.feeds === 0
        ? null
        : html`<fieldset class="block-feeds">
            <legend>${spec.feeds === 'n' ? 'Feeds' : 'Feed'}</legend>
            ${feeds.length === 0 ? html`<p>No feeds yet: create one on the Feeds page.</p>` : feeds.map(feedInput)}
          </fieldset>`
    }
    <fieldset class="block-props">
      <legend>Properties</legend>
      ${known.map(
        (k) => html`<label>${k}
          ${
            k === 'text'
              ? html`<textarea rows="3" value=${props[k] ?? ''} onInput=${(ev) => setProp(k, ev.currentTarget.value)}></textarea>`
              : html`<input value=${props[k] ?? ''} onInput=${(ev) => setProp(k, ev.currentTarget.value)} />`
          }
        </label>`,
      )}
      <label>Other properties (JSON) <textarea rows="2" value=${extraText} onInput=${(ev) => setExtraText(ev.currentTarget.value)}></textarea></label>
    </fieldset>
    ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    <div class="form-actions">
      <button type="submit" class="primary">${block ? 'Save block' : 'Add block'}</button>
      <button type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

/** The dashboard's own settings, saved with PATCH. */
function Settings({ dash, onSaved }) {
  const [f, setF] = useState(() => ({
    name: dash.name,
    description: dash.description ?? '',
    visibility: dash.visibility,
    color_mode: dash.color_mode ?? 'dark',
    block_borders: !!dash.block_borders,
    show_header: !!dash.show_header,
    header_image_url: dash.header_image_url ?? '',
    allow_overlap: !!dash.allow_overlap,
  }));
  const [error, setError] = useState(null);
  const set = (k) => (ev) => {
    const t = ev.currentTarget;
    setF((o) => ({ ...o, [k]: t.type === 'checkbox' ? t.checked : t.value }));
  };
  const submit = async (ev) => {
    ev.preventDefault();
    try {
      onSaved(await api.patch(path(dash.key), { dashboard: { ...f, header_image_url: f.header_image_url || null } }));
      setError(null);
    } catch (e) {
      setError(e.message);
    }
  };
  return html`<details class="dashboard-settings">
    <summary>Settings</summary>
    <form onSubmit=${submit}>
      <label>Name <input value=${f.name} required onInput=${set('name')} /></label>
      <label>Description <input value=${f.description} onInput=${set('description')} /></label>
      <label
        >Visibility
        <select value=${f.visibility} onChange=${set('visibility')}>
          <option value="private">private</option>
          <option value="public">public</option>
        </select>
      </label>
      <label
        >Colour mode
        <select value=${f.color_mode} onChange=${set('color_mode')}>
          <option value="dark">dark</option>
          <option value="light">light</option>
        </select>
      </label>
      <label class="check"><input type="checkbox" checked=${f.block_borders} onChange=${set('block_borders')} /> Block borders</label>
      <label class="check"><input type="checkbox" checked=${f.show_header} onChange=${set('show_header')} /> Show header</label>
      <label>Header image URL <input value=${f.header_image_url} onInput=${set('header_image_url')} /></label>
      <label class="check"><input type="checkbox" checked=${f.allow_overlap} onChange=${set('allow_overlap')} /> Blocks may overlap</label>
      <button type="submit" class="primary">Save settings</button>
      ${error ? html`<p class="form-error" role="alert">${error}</p>` : null}
    </form>
  </details>`;
}

/** The newest datum of every feed, from the feed list (last_value), keyed by feed id. */
async function lastValues() {
  const feeds = await api.get('/feeds');
  const m = new Map();
  for (const f of feeds)
    if (f.last_value !== null && f.last_value !== undefined) m.set(f.id, { value: f.last_value, created_at: f.updated_at });
  return { feeds, datums: m };
}

export default function Dashboard({ params }) {
  const key = params.key;
  const [dash, setDash] = useState(null);
  const [error, setError] = useState(null);
  const [feeds, setFeeds] = useState([]);
  const [datums, setDatums] = useState(() => new Map());
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({});
  const [dialog, setDialog] = useState(null);
  const [status, setStatus] = useState('');
  const windowBp = useBreakpoint();
  const [editBp, setEditBp] = useState(null);
  const bp = editing ? (editBp ?? windowBp) : windowBp;

  const load = () => api.get(path(key)).then(setDash, (e) => setError(e));
  const loadValues = () =>
    lastValues().then(
      ({ feeds: list, datums: m }) => {
        setFeeds(list);
        setDatums(m);
      },
      () => {},
    );
  useEffect(() => {
    setDash(null);
    setError(null);
    load();
    loadValues();
  }, [key]);
  const setDatum = (feedId, d) =>
    setDatums((old) => {
      const prev = old.get(feedId);
      if (prev?.created_at && d.created_at && prev.created_at > d.created_at) return old;
      return new Map(old).set(feedId, d);
    });
  useLive('data', (ev) => setDatum(ev.feed_id, ev.datum));
  // The stream keeps no backlog: after a reconnect, values written meanwhile come from the API.
  useLive('open', loadValues);
  // Someone else (another tab, the API) changed this dashboard's blocks: show them, unless mid-edit.
  useLive('block', () => !editing && load());
  useLive('dashboard', (ev) => !editing && dash && String(ev.id) === String(dash.id) && ev.action === 'update' && load());

  if (error) {
    return html`<div class="dashboard-page"><h1>Dashboard</h1><p class="form-error" role="alert">${error.status === 404 ? `No dashboard "${key}".` : error.message}</p>
      <p><a href="#/dashboards">All dashboards</a></p></div>`;
  }
  if (!dash) return html`<div class="dashboard-page" aria-busy="true"><p>Loading…</p></div>`;

  const blocks = dash.blocks ?? [];
  const cols = COLUMNS[bp];
  // The draft of a breakpoint being edited, plus any block added since the draft began (placed by the server).
  const entriesOf = (d, at = bp) => {
    const base = entriesFor(blocks, dash.layouts, at);
    if (!d[at]) return base;
    const have = new Set(d[at].map((e) => e.i));
    return [...d[at].filter((e) => blocks.some((b) => String(b.id) === e.i)), ...base.filter((e) => !have.has(e.i))];
  };
  const entries = entriesOf(draft);
  const changeEntry = (entry) => {
    setDraft((d) => ({ ...d, [bp]: place(entriesOf(d), entry, cols, dash.allow_overlap) }));
    setStatus(
      `${blockTitle(blocks.find((b) => String(b.id) === entry.i) ?? {})} at column ${entry.x + 1}, row ${entry.y + 1}, ${entry.w} by ${entry.h}`,
    );
  };
  const saveLayout = async () => {
    try {
      const layouts = Object.fromEntries(
        Object.keys(draft).map((b) => [
          b,
          entriesOf(draft, b).map(({ i, x, y, w, h, z }) => ({ i, x, y, w, h, ...(z !== undefined ? { z } : {}) })),
        ]),
      );
      setDash(await api.post(path(key, '/update_layouts'), { layouts }));
      setDraft({});
      setEditing(false);
      setStatus('Layout saved.');
    } catch (e) {
      setStatus(`Layout not saved: ${e.message}`);
    }
  };
  const cancelEdit = () => {
    setDraft({});
    setEditing(false);
    setStatus('');
  };
  const saveBlock = async (body, block) => {
    if (block) await api.patch(path(key, `/blocks/${block.id}`), { block: body });
    else await api.post(path(key, '/blocks'), { block: body });
    setDialog(null);
    // The server placed a new block in every breakpoint; unsaved moves stay in the draft.
    await load();
  };
  const deleteBlock = async (block) => {
    try {
      await api.del(path(key, `/blocks/${block.id}`));
      setDraft((d) => Object.fromEntries(Object.entries(d).map(([b, list]) => [b, list.filter((e) => e.i !== String(block.id))])));
      setDialog(null);
      await load();
    } catch (e) {
      setStatus(`Block not deleted: ${e.message}`);
    }
  };

  const items = blocks.map((b) => ({
    id: b.id,
    name: blockTitle(b),
    node: html`${
      editing
        ? html`<div class="block-tools">
            <button type="button" onClick=${() => setDialog({ kind: 'edit', block: b })} aria-label=${`Edit ${blockTitle(b)}`}>Edit</button>
            <button type="button" class="danger" onClick=${() => setDialog({ kind: 'delete', block: b })} aria-label=${`Delete ${blockTitle(b)}`}>Delete</button>
          </div>`
        : null
    }<${BlockView} block=${b} datums=${datums} onSent=${setDatum} rows=${entries.find((e) => e.i === String(b.id))?.h ?? 4} />`,
  }));
  const theme = dash.color_mode === 'light' ? 'light' : 'dark';
  return html`<div class=${`dashboard-page${dash.block_borders ? ' borders' : ''}`} data-theme=${theme} data-color-mode=${theme}>
    ${
      dash.show_header
        ? html`<header class="dashboard-header">
            ${dash.header_image_url ? html`<img class="dashboard-header-image" src=${dash.header_image_url} alt="" />` : null}
            <div><h1>${dash.name}</h1>${dash.description ? html`<p>${dash.description}</p>` : null}</div>
          </header>`
        : html`<h1 class="visually-hidden">${dash.name}</h1>`
    }
    <div class="dashboard-toolbar" role="toolbar" aria-label="Dashboard">
      <a href="#/dashboards">All dashboards</a>
      ${
        editing
          ? html`<label
                >Breakpoint
                <select value=${bp} onChange=${(ev) => setEditBp(ev.currentTarget.value)}>
                  ${BREAKPOINTS.map((b) => html`<option value=${b}>${b} (${COLUMNS[b]} columns)${b === windowBp ? ' – this window' : ''}</option>`)}
                </select>
              </label>
              <button type="button" onClick=${() => setDialog({ kind: 'add' })}>Add block</button>
              <button type="button" class="primary" onClick=${saveLayout}>Save layout</button>
              <button type="button" onClick=${cancelEdit}>Cancel</button>`
          : html`<button
              type="button"
              onClick=${() => {
                setEditBp(windowBp);
                setEditing(true);
                setStatus(
                  'Editing layout: drag blocks or their corner; focus a block and use arrow keys to move, shift and arrow keys to resize.',
                );
              }}
            >
              Edit layout
            </button>`
      }
    </div>
    <p class="dashboard-status" role="status" aria-live="polite">${status}</p>
    ${blocks.length === 0 ? html`<p class="dashboard-empty">No blocks yet. Choose “Edit layout”, then “Add block”.</p>` : null}
    <div class=${`dashboard-grid bp-${bp}`}>
      <${Grid} entries=${entries} cols=${cols} editing=${editing} onChange=${changeEntry} items=${items} label=${`${dash.name} blocks (${bp} layout)`} />
    </div>
    <${Settings} key=${dash.updated_at} dash=${dash} onSaved=${(n) => setDash((old) => ({ ...n, layouts: old.layouts }))} />
    ${
      dialog?.kind === 'add' || dialog?.kind === 'edit'
        ? html`<${Modal} title=${dialog.block ? `Edit ${blockTitle(dialog.block)}` : 'Add a block'} onClose=${() => setDialog(null)}>
            <${BlockForm} block=${dialog.block} feeds=${feeds} onSave=${(body) => saveBlock(body, dialog.block)} onCancel=${() => setDialog(null)} />
          <//>`
        : null
    }
    ${
      dialog?.kind === 'delete'
        ? html`<${Modal} title=${`Delete ${blockTitle(dialog.block)}?`} onClose=${() => setDialog(null)}>
            <p>The block goes; its feeds and their data stay.</p>
            <div class="form-actions">
              <button type="button" class="danger" onClick=${() => deleteBlock(dialog.block)}>Delete block</button>
              <button type="button" onClick=${() => setDialog(null)}>Cancel</button>
            </div>
          <//>`
        : null
    }
  </div>`;
}
