// Small components every page uses. Styling comes from classes in style.css: no style attributes
// in markup (the CSP forbids inline styles).
import { html, useEffect, useMemo, useRef, useState } from './html.js';

let nextId = 0;
/** A stable id for label/input pairs. */
export function useId(prefix = 'f') {
  return useMemo(() => `${prefix}-${++nextId}`, []);
}

/**
 * A labelled input. `label`, optional `hint`; every other prop goes to the <input>. With children,
 * they are the control instead (give it `id` = the `id` prop).
 */
export function Field({ label, hint, id, children, class: cls, ...input }) {
  const auto = useId('field');
  const fieldId = id ?? auto;
  const hintId = hint ? `${fieldId}-hint` : undefined;
  return html`<div class=${`field ${cls ?? ''}`}>
    <label for=${fieldId}>${label}</label>
    ${children ?? html`<input id=${fieldId} aria-describedby=${hintId} ...${input} />`}
    ${hint && html`<small id=${hintId} class="hint">${hint}</small>`}
  </div>`;
}

/**
 * A native modal <dialog>: the browser keeps focus inside it, Escape closes it, and focus returns to
 * what opened it. `open` shows it; `onClose` hears every way it closes.
 */
export function Dialog({ open, title, onClose, children, class: cls }) {
  const ref = useRef(null);
  const titleId = useId('dialog');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`<dialog ref=${ref} class=${`dialog ${cls ?? ''}`} aria-labelledby=${titleId} onClose=${() => onClose?.()}>
    <header class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="icon" aria-label="Close" onClick=${() => ref.current?.close()}>×</button>
    </header>
    <div class="dialog-body">${open ? children : null}</div>
  </dialog>`;
}

const toastListeners = new Set();
/** Shows a short message in the toast area (announced to screen readers). `kind`: info, error. */
export function notify(message, kind = 'info') {
  for (const fn of toastListeners) fn({ message: String(message), kind, id: ++nextId });
}

/** The toast area: render once (the app does). */
export function Toast() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const add = (t) => {
      setItems((xs) => [...xs.slice(-3), t]);
      setTimeout(() => setItems((xs) => xs.filter((x) => x.id !== t.id)), t.kind === 'error' ? 8000 : 4000);
    };
    toastListeners.add(add);
    return () => toastListeners.delete(add);
  }, []);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${items.map((t) => html`<p key=${t.id} class=${`toast toast-${t.kind}`}>${t.message}</p>`)}
  </div>`;
}

/** A button that copies `text`; says so for a moment. */
export function Copy({ text, label = 'Copy' }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone(true);
      setTimeout(() => setDone(false), 1500);
    } catch {
      notify('Copying is not allowed here: select the text and copy it by hand.', 'error');
    }
  };
  return html`<button type="button" class="copy" onClick=${copy} aria-label=${`${label}: ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`}>
    ${done ? 'Copied' : label}
  </button>`;
}

const ticks = new Set();
setInterval(() => {
  for (const fn of ticks) fn();
}, 10_000);

/** How long ago a time was ("5 s ago", "3 min ago"), kept up to date; the exact time in a tooltip. */
export function Ago({ time }) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    ticks.add(fn);
    return () => ticks.delete(fn);
  }, []);
  if (time === null || time === undefined || time === '') return html`<span class="muted">never</span>`;
  const ms = typeof time === 'number' ? time : Date.parse(time);
  if (Number.isNaN(ms)) return html`<span class="muted">—</span>`;
  const date = new Date(ms);
  return html`<time datetime=${date.toISOString()} title=${date.toLocaleString()}>${relative(Date.now() - ms)}</time>`;
}

export function relative(diffMs) {
  const s = Math.round(diffMs / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  const text =
    a < 5
      ? 'just now'
      : a < 60
        ? `${a} s`
        : a < 3600
          ? `${Math.floor(a / 60)} min`
          : a < 86400
            ? `${Math.floor(a / 3600)} h`
            : `${Math.floor(a / 86400)} d`;
  if (text === 'just now') return text;
  return future ? `in ${text}` : `${text} ago`;
}

/** A busy indicator with a text for screen readers. */
export function Spinner({ label = 'Loading…' }) {
  return html`<span class="spinner" role="status"><span class="visually-hidden">${label}</span></span>`;
}

/**
 * A semantic table. `columns`: [{ key, label, render?(row), class? }]; `rows`: objects (`rowKey`
 * names their key field, default `id`); `empty`: what to show without rows.
 */
export function Table({ caption, columns, rows, rowKey = 'id', empty = 'Nothing here yet.', class: cls }) {
  return html`<div class="table-wrap">
    <table class=${`table ${cls ?? ''}`}>
      ${caption && html`<caption>${caption}</caption>`}
      <thead>
        <tr>${columns.map((c) => html`<th scope="col" class=${c.class}>${c.label}</th>`)}</tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr><td colspan=${columns.length} class="muted">${empty}</td></tr>`
            : rows.map(
                (r, i) => html`<tr key=${r[rowKey] ?? i}>
                  ${columns.map((c) => html`<td class=${c.class}>${c.render ? c.render(r) : r[c.key]}</td>`)}
                </tr>`,
              )
        }
      </tbody>
    </table>
  </div>`;
}

/** A page's error box (an ApiError or any Error), with a retry when given. */
export function ErrorBox({ error, retry }) {
  if (!error) return null;
  return html`<div class="error-box" role="alert">
    <p>${error.status ? `${error.status}: ` : ''}${error.message}</p>
    ${retry && html`<button type="button" onClick=${retry}>Try again</button>`}
  </div>`;
}
