// Helpers shared by the feeds, feed and groups pages: grouping like the hosted list, the data
// list's paging headers, and the whole-feed download.
import { api } from './api.js';
import { useRef } from './html.js';
import { live, useLive } from './live.js';

/**
 * Feeds under each of their groups, the way the hosted list shows them: a feed in several groups
 * appears under each; one with no group under "Default". Groups sorted by name, Default first.
 */
export function groupFeeds(feeds) {
  const sections = new Map();
  const add = (ref, feed) => {
    const key = ref?.key ?? 'default';
    if (!sections.has(key)) sections.set(key, { key, name: ref?.name ?? 'Default', feeds: [] });
    sections.get(key).feeds.push(feed);
  };
  for (const feed of feeds) {
    const groups = feed.groups?.length ? feed.groups : feed.group ? [feed.group] : [null];
    for (const g of groups) add(g, feed);
  }
  return [...sections.values()].sort((a, b) => (a.key === 'default' ? -1 : b.key === 'default' ? 1 : a.name.localeCompare(b.name)));
}

export function matchesSearch(feed, query) {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return feed.name.toLowerCase().includes(q) || feed.key.toLowerCase().includes(q);
}

/** The `before` token of the next (older) page, from the Link header's rel="next" part. */
export function nextCursor(res) {
  const link = res.headers.get('link') ?? '';
  const m = /rel="next", <([^>]+)>/.exec(link);
  if (!m) return null;
  return new URL(m[1]).searchParams.get('before');
}

export async function readPage(res) {
  if (!res.ok) {
    let message = res.statusText;
    try {
      message = (await res.json()).error ?? message;
    } catch {}
    const err = new Error(message);
    err.status = res.status;
    throw err;
  }
  return {
    rows: await res.json(),
    next: nextCursor(res),
    total: Number(res.headers.get('x-pagination-total') ?? Number.NaN),
  };
}

/** One page of a feed's data, newest first. */
export async function dataPage(feedKey, { limit = 25, before } = {}) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before) q.set('before', before);
  return readPage(await api.raw(`/feeds/${encodeURIComponent(feedKey)}/data?${q}`));
}

function csvCell(v) {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_COLUMNS = ['id', 'value', 'feed_id', 'created_at', 'lat', 'lon', 'ele'];

export function toCsv(rows) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * Every point of a feed, newest first, following the API's cursors 1000 at a time (the API has no
 * CSV form of the data list, so CSV is built here from the same records). `onProgress(n)` after each page.
 */
export async function allData(feedKey, onProgress) {
  const rows = [];
  let before;
  for (;;) {
    const page = await dataPage(feedKey, { limit: 1000, before });
    rows.push(...page.rows);
    onProgress?.(rows.length);
    if (!page.next || page.rows.length === 0) return rows;
    before = page.next;
  }
}

export function saveBlob(text, type, filename) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function errorText(err) {
  return err?.message ?? String(err);
}

/**
 * `fn()` after the live stream comes back from a drop: the server keeps no backlog, so what the page
 * shows is read again. The first `open` after mounting is the initial connection, not a return.
 */
export function useReconnect(fn) {
  const connected = useRef(live.connected);
  useLive('open', () => {
    if (!connected.current) {
      connected.current = true;
      return;
    }
    fn();
  });
}
