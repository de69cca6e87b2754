// One EventSource per tab to /console/events, shared by every page. EventSource reconnects by itself
// after a dropped connection; when the server refuses it (signed out, session over) it stops, and so
// do we until start() is called again. Each (re)connection fires `open`: the server keeps no backlog,
// so a page that shows live values reloads them then.
//
// Event types and their data:
//   data      {feed_key, feed_id, group_keys: [...], datum}   datum as the API's data record
//   feed, group, dashboard, block   {action: 'create'|'update'|'delete', key, id}
//   throttle  {waitSeconds, message}
//   ban       {until, seconds, reason, message}
//   open      {}   (connected or reconnected)
import { useEffect, useRef } from './html.js';

const listeners = new Map();
let source = null;
let wanted = false;
let retry = null;

function dispatch(type, data) {
  for (const fn of listeners.get(type) ?? []) {
    try {
      fn(data);
    } catch (err) {
      console.error(`live ${type} listener failed`, err);
    }
  }
}

function listen(type) {
  if (!source || type === 'open') return;
  source.addEventListener(type, (e) => {
    let data = null;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    dispatch(type, data);
  });
}

function connect() {
  if (source || !wanted) return;
  source = new EventSource('/console/events');
  for (const type of listeners.keys()) listen(type);
  source.addEventListener('open', () => dispatch('open', {}));
  source.addEventListener('error', () => {
    if (source?.readyState !== EventSource.CLOSED) return;
    // Refused (or the server went away for good): try again later, unless signed out meanwhile.
    source = null;
    clearTimeout(retry);
    retry = setTimeout(connect, 5000);
    dispatch('closed', {});
  });
}

export const live = {
  /** Subscribes to one event type; returns the unsubscribe. */
  on(type, fn) {
    let set = listeners.get(type);
    if (!set) {
      listeners.set(type, (set = new Set()));
      listen(type);
    }
    set.add(fn);
    return () => set.delete(fn);
  },
  /** Opens the stream (the app calls it once signed in). */
  start() {
    wanted = true;
    connect();
  },
  /** Closes it (signed out). */
  stop() {
    wanted = false;
    clearTimeout(retry);
    source?.close();
    source = null;
  },
  get connected() {
    return source?.readyState === EventSource.OPEN;
  },
};

/** `fn(data)` for each event of `type` while the component is mounted (always the latest `fn`). */
export function useLive(type, fn) {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => live.on(type, (data) => ref.current(data)), [type]);
}
