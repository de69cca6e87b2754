// The API reference: /api/docs/v2.json (Swagger 2.0) grouped by tag, each operation with its
// parameters and responses. Native <details> make every operation keyboard-operable.
import { api } from '../lib/api.js';
import { html, useEffect, useMemo, useState } from '../lib/html.js';
import { ErrorBox, Field, Spinner } from '../lib/ui.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function resolveParam(doc, p) {
  if (p?.$ref) return doc.parameters?.[p.$ref.split('/').pop()] ?? { name: p.$ref };
  return p;
}

function typeOf(p) {
  const s = p.schema;
  if (s?.$ref) return s.$ref.split('/').pop();
  if (s?.type === 'array') return `array of ${s.items?.$ref ? s.items.$ref.split('/').pop() : (s.items?.type ?? 'any')}`;
  return p.type ?? s?.type ?? '';
}

function Operation({ doc, path, method, op }) {
  const params = (op.parameters ?? []).map((p) => resolveParam(doc, p));
  return html`<details class="op">
    <summary>
      <span class=${`method method-${method}`}>${method}</span>
      <span class="op-path">${path}</span>
      <span class="muted">${op.summary ?? ''}</span>
    </summary>
    <div class="op-body">
      ${op.description && html`<p>${op.description}</p>`}
      ${
        params.length > 0 &&
        html`<table class="table">
          <caption>Parameters</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Required</th><th scope="col">Description</th></tr></thead>
          <tbody>
            ${params.map(
              (p) => html`<tr>
                <td><code>${p.name}</code></td>
                <td>${p.in}</td>
                <td>${typeOf(p)}</td>
                <td>${p.required ? 'yes' : 'no'}</td>
                <td>${p.description ?? ''}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      }
      <table class="table">
        <caption>Responses</caption>
        <thead><tr><th scope="col">Status</th><th scope="col">Description</th><th scope="col">Type</th></tr></thead>
        <tbody>
          ${Object.entries(op.responses ?? {}).map(
            ([code, r]) => html`<tr><td><code>${code}</code></td><td>${r.description ?? ''}</td><td>${r.schema ? typeOf(r) : ''}</td></tr>`,
          )}
        </tbody>
      </table>
    </div>
  </details>`;
}

export default function Docs() {
  const [doc, setDoc] = useState(null);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');
  const load = () => {
    setError(null);
    api.get('/api/docs/v2.json').then(setDoc, setError);
  };
  useEffect(load, []);

  const groups = useMemo(() => {
    if (!doc) return [];
    const byTag = new Map();
    const needle = filter.trim().toLowerCase();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        if (needle && !`${method} ${path} ${op.summary ?? ''}`.toLowerCase().includes(needle)) continue;
        const tag = op.tags?.[0] ?? 'Other';
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag).push({ path, method, op });
      }
    }
    return [...byTag.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [doc, filter]);

  if (error) return html`<${ErrorBox} error=${error} retry=${load} />`;
  if (!doc) return html`<${Spinner} />`;
  const count = groups.reduce((n, [, ops]) => n + ops.length, 0);
  return html`<section aria-labelledby="docs-title">
    <div class="page-head">
      <h1 id="docs-title">API reference</h1>
      <div class="actions"><a class="button" href="/api/docs/v2.json" download="aio-local-openapi.json">Download OpenAPI JSON</a></div>
    </div>
    <p class="muted">${doc.info?.title} ${doc.info?.version ?? ''}: ${count} operations. Send the account key in the <code>X-AIO-Key</code> header.</p>
    <${Field} label="Filter operations" type="search" value=${filter} onInput=${(e) => setFilter(e.currentTarget.value)} placeholder="e.g. data, POST, chart" />
    <nav aria-label="API sections">
      <ul class="docs-toc">${groups.map(
        ([tag]) =>
          html`<li><a href=${`#/docs?tag=${encodeURIComponent(tag)}`} onClick=${(e) => {
            e.preventDefault();
            document.getElementById(`tag-${tag}`)?.scrollIntoView();
          }}>${tag}</a></li>`,
      )}</ul>
    </nav>
    ${groups.map(
      ([tag, ops]) => html`<section class="docs-tag" aria-labelledby=${`tag-${tag}`}>
        <h2 id=${`tag-${tag}`}>${tag}</h2>
        ${ops.map((o) => html`<${Operation} key=${`${o.method} ${o.path}`} doc=${doc} ...${o} />`)}
      </section>`,
    )}
  </section>`;
}
