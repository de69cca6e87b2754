// The console's shell: hash router, session, header with navigation. Pages are loaded on first
// visit (import()), so a tab fetches only the pages it shows.
import { api, onUnauthorized, setUsername } from './lib/api.js';
import { html, render, useCallback, useEffect, useState } from './lib/html.js';
import { live } from './lib/live.js';
import { ErrorBox, Spinner, Toast } from './lib/ui.js';

/** Route pattern → page module (default export: a component taking {params, session, navigate}). */
const ROUTES = [
  ['signin', 'signin'],
  ['feeds', 'feeds'],
  ['feeds/:key', 'feed'],
  ['groups', 'groups'],
  ['groups/:key', 'groups'],
  ['dashboards', 'dashboards'],
  ['dashboards/:key', 'dashboard'],
  ['tokens', 'tokens'],
  ['activities', 'activities'],
  ['limits', 'limits'],
  ['actions', 'actions'],
  ['docs', 'docs'],
];

const NAV = [
  ['feeds', 'Feeds'],
  ['groups', 'Groups'],
  ['dashboards', 'Dashboards'],
  ['tokens', 'Tokens'],
  ['activities', 'Activities'],
  ['limits', 'Limits'],
  ['actions', 'Actions'],
  ['docs', 'API'],
];

/** `#/feeds/temp?x=1` → { page: 'feed', path: 'feeds/temp', params: { key: 'temp', x: '1' } }; unknown → feeds. */
export function parseHash(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)));
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, page] of ROUTES) {
    const want = pattern.split('/');
    if (want.length !== parts.length) continue;
    const params = { ...query };
    let ok = true;
    want.forEach((w, i) => {
      if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(parts[i]);
      else if (w !== parts[i]) ok = false;
    });
    if (ok) return { page, path, section: want[0], params };
  }
  return { page: 'feeds', path: 'feeds', section: 'feeds', params: {} };
}

export function navigate(path) {
  const target = `#/${path.replace(/^#?\/?/, '')}`;
  if (location.hash !== target) location.hash = target;
}

const modules = new Map();
function loadPage(name) {
  if (!modules.has(name)) modules.set(name, import(`./pages/${name}.js`));
  return modules.get(name);
}

function Page({ route, session, onSession }) {
  const [state, setState] = useState({ name: null, Component: null, error: null });
  useEffect(() => {
    let live = true;
    loadPage(route.page).then(
      (m) => live && setState({ name: route.page, Component: m.default, error: null }),
      (err) => {
        modules.delete(route.page);
        if (live) setState({ name: route.page, Component: null, error: new Error(`This page could not be loaded (${err.message}).`) });
      },
    );
    return () => {
      live = false;
    };
  }, [route.page]);
  if (state.error && state.name === route.page) return html`<${ErrorBox} error=${state.error} />`;
  if (!state.Component || state.name !== route.page) return html`<${Spinner} />`;
  const C = state.Component;
  return html`<${C} key=${route.path} params=${route.params} session=${session} navigate=${navigate} onSession=${onSession} />`;
}

function Header({ session, route, onSignOut }) {
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [route.path]);
  return html`<header class="top">
    <a class="skip" href="#main" onClick=${(e) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <a class="brand" href="#/feeds">aio-local</a>
    ${
      session &&
      html`<button type="button" class="nav-toggle" aria-expanded=${open} aria-controls="nav" onClick=${() => setOpen(!open)}>Menu</button>
      <nav id="nav" aria-label="Main" class=${open ? 'open' : ''}>
        <ul>
          ${NAV.map(
            ([path, label]) =>
              html`<li><a href=${`#/${path}`} aria-current=${route.section === path ? 'page' : undefined}>${label}</a></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span class="user" title=${session.kind === 'token' ? 'signed in with a token' : 'signed in with the account key'}>
          ${session.username}${session.kind === 'token' ? ' (token)' : ''}
        </span>
        <${ThemeToggle} />
        <button type="button" class="sign-out" onClick=${onSignOut}>Sign out</button>
      </div>`
    }
  </header>`;
}

function ThemeToggle() {
  const [theme, setTheme] = useState(() => localStorage.getItem('aio-theme') ?? '');
  useEffect(() => {
    if (theme) document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
  }, [theme]);
  const next = theme === '' ? 'dark' : theme === 'dark' ? 'light' : '';
  const label = theme === '' ? 'Theme: auto' : `Theme: ${theme}`;
  return html`<button type="button" class="theme" aria-label=${`${label} (switch to ${next || 'auto'})`} onClick=${() => {
    if (next) localStorage.setItem('aio-theme', next);
    else localStorage.removeItem('aio-theme');
    setTheme(next);
  }}>${label}</button>`;
}

function App() {
  // undefined: asking the server; null: signed out.
  const [session, setSession] = useState(undefined);
  const [route, setRoute] = useState(() => parseHash(location.hash));

  useEffect(() => {
    const onHash = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const signedIn = useCallback((s) => {
    setUsername(s?.username ?? null);
    setSession(s ?? null);
    if (s) live.start();
    else live.stop();
  }, []);

  useEffect(() => {
    api.session().then(signedIn, () => signedIn(null));
    // Any API call answering 401: the session is over (idle, key replaced, token deleted).
    const off1 = onUnauthorized(() => signedIn(null));
    // The stream refused: find out whether the session is still there.
    const off2 = live.on('closed', () => api.session().then(signedIn, () => signedIn(null)));
    return () => {
      off1();
      off2();
    };
  }, [signedIn]);

  useEffect(() => {
    if (session === null && route.page !== 'signin') {
      const back = route.page === 'signin' || !location.hash ? '' : `?next=${encodeURIComponent(route.path)}`;
      navigate(`signin${back}`);
    } else if (session && route.page === 'signin') navigate(route.params.next || 'feeds');
  }, [session, route]);

  useEffect(() => {
    document.title = `${route.section[0].toUpperCase()}${route.section.slice(1)} · aio-local`;
  }, [route.section]);

  const signOut = async () => {
    try {
      await api.signOut();
    } catch {
      // Already over: signed out all the same.
    }
    signedIn(null);
  };

  const show = session === undefined ? null : session === null ? { ...route, page: 'signin', path: 'signin' } : route;
  return html`<${Header} session=${session} route=${route} onSignOut=${signOut} />
    <main id="main" tabindex="-1">
      ${show ? html`<${Page} route=${show} session=${session} onSession=${signedIn} />` : html`<${Spinner} />`}
    </main>
    <${Toast} />`;
}

// The page the address names starts loading now, beside the session check, not after it.
const first = parseHash(location.hash).page;
if (first && first !== 'signin') loadPage(first).catch(() => modules.delete(first));

const root = document.getElementById('app');
// The "Loading" line is for the moment before this script runs; Preact would keep it beside the app.
root.replaceChildren();
render(html`<${App} />`, root);
