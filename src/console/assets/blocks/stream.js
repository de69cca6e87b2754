// The stream block: the newest values of its feeds as a scrolling log, newest on top, with throttle
// messages too unless `errors` is "no".
import { api } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { bool, color, formatValue, text } from './common.js';

const KEEP = 50;

export function Stream({ props, feeds, label }) {
  const [lines, setLines] = useState([]);
  const ids = feeds.map((f) => f.feed.id);
  const keyOf = new Map(feeds.map((f) => [f.feed.id, f.feed.key]));
  const idList = ids.join(',');
  useEffect(() => {
    let gone = false;
    Promise.all(feeds.map((f) => api.get(`/feeds/${encodeURIComponent(f.feed.key)}/data?limit=${KEEP}`).catch(() => []))).then((pages) => {
      if (gone) return;
      const all = pages.flat().map((d) => ({ id: `d${d.id}`, at: d.created_at, feed: d.feed_key ?? keyOf.get(d.feed_id), value: d.value }));
      // Lines that arrived live while the pages loaded stay (the pages may predate them).
      setLines((live) => {
        const loaded = new Set(all.map((l) => l.id));
        const merged = [...all, ...live.filter((l) => !loaded.has(l.id))];
        merged.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
        return merged.slice(0, KEEP);
      });
    });
    return () => {
      gone = true;
    };
  }, [idList]);
  const add = (line) => setLines((old) => (old.some((l) => l.id === line.id) ? old : [line, ...old].slice(0, KEEP)));
  useLive('data', (ev) => {
    if (ids.includes(ev.feed_id)) add({ id: `d${ev.datum.id}`, at: ev.datum.created_at, feed: ev.feed_key, value: ev.datum.value });
  });
  useLive('throttle', (ev) => {
    if (text(props.errors, 'yes').toLowerCase() === 'no') return;
    add({
      id: `t${Date.now()}${Math.random()}`,
      at: new Date().toISOString(),
      feed: 'throttle',
      value: ev.message ?? 'request rate limit reached',
      error: true,
    });
  });
  const showTime = bool(props.showTimestamp, true);
  const showName = bool(props.showName, true);
  const style = {};
  const c = color(props.fontColor, undefined);
  if (c) style.color = c;
  return html`<ol class="stream" role="log" aria-label=${label} aria-live="polite" style=${style}>
    ${lines.length === 0 ? html`<li class="block-empty">no values yet</li>` : null}
    ${lines.map(
      (l) => html`<li key=${l.id} class=${l.error ? 'stream-error' : ''}>
        ${showTime ? html`<time datetime=${l.at}>${new Date(l.at).toLocaleTimeString()}</time> ` : null}
        ${showName ? html`<span class="stream-feed">${l.feed}</span> ` : null}
        <span class="stream-value">${formatValue(l.value, props)}</span>
      </li>`,
    )}
  </ol>`;
}
