// The console's only way to the server. The session cookie (HttpOnly: this code never sees it) goes
// with every same-origin call; the header tells the server this is the console, which no other origin
// may send without a CORS preflight the server never grants. No key is ever sent or kept here.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

let username = null;
const unauthorizedListeners = new Set();

/** Set by the app once signed in: relative paths are under /api/v2/{username}. */
export function setUsername(name) {
  username = name;
}

export function getUsername() {
  return username;
}

/** `fn()` runs whenever a call answers 401 (the session ended); returns the unsubscribe. */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** `/feeds` → `/api/v2/{username}/feeds`; `/api/...` and `/console/...` stay as they are. */
export function apiUrl(path) {
  if (path.startsWith('/api/') || path.startsWith('/console/') || !path.startsWith('/')) return path;
  if (!username) throw new ApiError(401, 'not signed in');
  return `/api/v2/${encodeURIComponent(username)}${path}`;
}

async function send(method, path, body, accept = 'application/json') {
  const headers = { 'X-Aio-Console': '1', Accept: accept };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(apiUrl(path), init);
}

async function request(method, path, body) {
  const res = await send(method, path, body);
  const type = res.headers.get('content-type') ?? '';
  const parsed = res.status === 204 ? null : type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const message = (parsed && typeof parsed === 'object' && parsed.error) || (typeof parsed === 'string' && parsed) || res.statusText;
    if (res.status === 401 && !path.startsWith('/console/session')) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(res.status, String(message));
  }
  return parsed;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body ?? {}),
  put: (path, body) => request('PUT', path, body ?? {}),
  patch: (path, body) => request('PATCH', path, body ?? {}),
  del: (path) => request('DELETE', path),
  /** The fetch Response itself (downloads: CSV, JSON); `accept` picks the format. */
  raw: (path, accept = '*/*') => send('GET', path, undefined, accept),
  /** The session: `{username, kind, permissions, idle_minutes}`; throws ApiError 401 when signed out. */
  session: () => request('GET', '/console/session'),
  signIn: (credentials) => request('POST', '/console/session', credentials),
  signOut: () => request('DELETE', '/console/session'),
};
