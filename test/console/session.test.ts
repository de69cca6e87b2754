import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { Core } from '../../src/core/core.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { buildApp } from '../../src/http/app.js';
import { appTestWith, makeCore, tempDir, type TestApp } from '../helpers.js';
import { consoleReq, SAME_ORIGIN, signIn } from './helpers.js';

const it = appTestWith({ fakeClock: true, config: { consoleIdleMinutes: 10 } });
const MINUTE = 60_000;

const sessionRows = (t: TestApp) =>
  t.db.$client.prepare('SELECT secret_hash, user_id, token_id, key_hash FROM console_sessions').all() as Array<Record<string, unknown>>;

async function makeToken(t: TestApp, body: Record<string, unknown>) {
  const res = await t.req('POST', '/api/v2/alice/tokens', { body });
  expect(res.status).toBe(200);
  return res.json as { id: number; key: string };
}

describe('POST /console/session', () => {
  it('signs in with username and key: an HttpOnly SameSite=Strict cookie, not Secure over plain HTTP', async ({ t }) => {
    const res = await consoleReq(t, 'POST', '/console/session', { body: { username: 'alice', key: t.alice.key } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      username: 'alice',
      kind: 'key',
      permissions: { readable: true, createable: true, updateable: true, deleteable: true, feed_id: null, expiration: null, manage: true },
      idle_minutes: 10,
    });
    const set = String(res.headers['set-cookie']);
    expect(set).toMatch(/^aio_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(res.text).not.toContain(t.alice.key);
  });

  it('stores only the sha256 of the cookie secret', async ({ t }) => {
    const cookie = await signIn(t);
    const secret = cookie.split('=')[1]!;
    const rows = sessionRows(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    const file = readFileSync(t.config.dbPath);
    const wal = readFileSync(`${t.config.dbPath}-wal`);
    expect(file.includes(secret)).toBe(false);
    expect(wal.includes(secret)).toBe(false);
  });

  it('refuses bad input (400), a wrong key or username (401), an unknown or expired token', async ({ t, clock }) => {
    expect((await consoleReq(t, 'POST', '/console/session', { body: {} })).status).toBe(400);
    expect((await consoleReq(t, 'POST', '/console/session', { body: { username: 'alice' } })).status).toBe(400);
    expect((await consoleReq(t, 'POST', '/console/session', { body: { username: 'alice', key: 'nope' } })).json).toEqual({
      error: 'request failed - invalid username or key',
    });
    // bob's key with alice's name: a key signs in only its own account.
    expect((await consoleReq(t, 'POST', '/console/session', { body: { username: 'alice', key: t.bob.key } })).status).toBe(401);
    expect((await consoleReq(t, 'POST', '/console/session', { body: { token: 'aio_nothing' } })).status).toBe(401);
    const token = await makeToken(t, { expiration: new Date(clock.ms + MINUTE).toISOString() });
    clock.advance(2 * MINUTE);
    const expired = await consoleReq(t, 'POST', '/console/session', { body: { token: token.key } });
    expect(expired.status).toBe(403);
    expect(expired.json.error).toContain('expired');
    expect(sessionRows(t)).toHaveLength(0);
  });

  it('refuses a sign-in from another origin (it would plant a session in the browser)', async ({ t }) => {
    const body = { username: 'alice', key: t.alice.key };
    expect((await consoleReq(t, 'POST', '/console/session', { body, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await consoleReq(t, 'POST', '/console/session', { body, headers: { 'x-aio-console': undefined } })).status).toBe(403);
    expect(sessionRows(t)).toHaveLength(0);
  });
});

describe('GET and DELETE /console/session', () => {
  it('GET says who is signed in; 401 without a cookie, with an unknown one, or from another origin', async ({ t }) => {
    const cookie = await signIn(t);
    const res = await consoleReq(t, 'GET', '/console/session', { cookie });
    expect(res.status).toBe(200);
    expect(res.json.username).toBe('alice');
    expect(res.headers['cache-control']).toBe('no-store');
    expect((await consoleReq(t, 'GET', '/console/session')).status).toBe(401);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie: 'aio_console=forged' })).status).toBe(401);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie, headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(401);
  });

  it('DELETE signs out: the cookie is cleared and refused afterwards, everywhere', async ({ t }) => {
    const cookie = await signIn(t);
    const out = await consoleReq(t, 'DELETE', '/console/session', { cookie });
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('aio_console=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(sessionRows(t)).toHaveLength(0);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(401);
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie })).status).toBe(401);
    expect((await consoleReq(t, 'DELETE', '/console/session', { cookie })).status).toBe(401);
  });

  it('one session signing out leaves the others signed in', async ({ t }) => {
    const a = await signIn(t);
    const b = await signIn(t);
    await consoleReq(t, 'DELETE', '/console/session', { cookie: a });
    expect((await consoleReq(t, 'GET', '/console/session', { cookie: b })).status).toBe(200);
  });
});

describe('the cookie on /api/v2', () => {
  it('authenticates same-origin console calls exactly as the key', async ({ t }) => {
    const cookie = await signIn(t);
    const made = await consoleReq(t, 'POST', '/api/v2/alice/feeds', { cookie, body: { feed: { name: 'Temp' } } });
    expect(made.status).toBe(201);
    const data = await consoleReq(t, 'POST', '/api/v2/alice/feeds/temp/data', { cookie, body: { value: 21 } });
    expect(data.status).toBe(200);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/last')).json.value).toBe('21');
    // Matching Origin from a browser without Sec-Fetch-Site is the same origin too.
    const byOrigin = await consoleReq(t, 'GET', '/api/v2/alice/feeds', {
      cookie,
      headers: { 'sec-fetch-site': undefined, origin: 'http://localhost:80' },
    });
    expect(byOrigin.status).toBe(200);
  });

  it('is as if absent from another origin, without X-Aio-Console, or with no origin evidence (401)', async ({ t }) => {
    const cookie = await signIn(t);
    const url = '/api/v2/alice/feeds';
    expect((await consoleReq(t, 'GET', url, { cookie, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(401);
    expect((await consoleReq(t, 'GET', url, { cookie, headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(401);
    expect((await consoleReq(t, 'GET', url, { cookie, headers: { 'x-aio-console': undefined } })).status).toBe(401);
    expect((await consoleReq(t, 'GET', url, { cookie, headers: { 'sec-fetch-site': undefined, origin: 'http://evil.test' } })).status).toBe(
      401,
    );
    expect((await consoleReq(t, 'GET', url, { cookie, headers: { 'sec-fetch-site': undefined } })).status).toBe(401);
  });

  it("a session of alice's is refused on bob's paths (403), and a key header still wins over the cookie", async ({ t }) => {
    const cookie = await signIn(t);
    expect((await consoleReq(t, 'GET', '/api/v2/bob/feeds', { cookie })).status).toBe(403);
    const asBob = await consoleReq(t, 'GET', '/api/v2/bob/feeds', { cookie, headers: { 'x-aio-key': t.bob.key } });
    expect(asBob.status).toBe(200);
  });

  it('leaves CORS as it was: any origin, no credentials, and X-Aio-Console not among the allowed headers', async ({ t }) => {
    const cookie = await signIn(t);
    const res = await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBe('false');
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).not.toContain('x-aio-console');
  });
});

describe('a session ends', () => {
  it('after AIO_CONSOLE_IDLE_MINUTES without a request, by the core clock; each request moves it on', async ({ t, clock }) => {
    const cookie = await signIn(t);
    clock.advance(9 * MINUTE);
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie })).status).toBe(200);
    clock.advance(9 * MINUTE);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(200);
    clock.advance(10 * MINUTE);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(401);
    expect(sessionRows(t)).toHaveLength(0);
  });

  it('when the account key is replaced (here)', async ({ t }) => {
    const cookie = await signIn(t);
    t.core.accounts.setKey('alice', 'alice-new-key-0123456789');
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(401);
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie })).status).toBe(401);
  });

  it('when the account key is replaced by another process (the account command)', async ({ t, clock }) => {
    const cookie = await signIn(t);
    const db = openDb(t.config.dbPath, { busyTimeoutMs: 1000 });
    const other = new Core(db, t.config, clock.now);
    other.accounts.setKey('alice', 'alice-cli-key-0123456789');
    other.stop();
    closeDb(db);
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie })).status).toBe(401);
  });

  it('when the key hash changes under it with no event at all (checked at every use)', async ({ t }) => {
    const cookie = await signIn(t);
    const db = openDb(t.config.dbPath, { busyTimeoutMs: 1000 });
    db.$client.prepare("UPDATE users SET key_hash = 'ff' WHERE username = 'alice'").run();
    closeDb(db);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(401);
  });

  it('when the token it was made from is deleted', async ({ t }) => {
    const token = await makeToken(t, {});
    const cookie = await signIn(t, { token: token.key });
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie })).status).toBe(200);
    expect((await t.req('DELETE', `/api/v2/alice/tokens/${token.id}`)).status).toBe(200);
    expect(sessionRows(t)).toHaveLength(0);
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds', { cookie })).status).toBe(401);
  });

  it('when the token it was made from expires', async ({ t, clock }) => {
    const token = await makeToken(t, { expiration: new Date(clock.ms + 2 * MINUTE).toISOString() });
    const cookie = await signIn(t, { token: token.key });
    clock.advance(3 * MINUTE);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(401);
  });

  it('but not when a token of the same account is replaced: key sessions hang on the key only', async ({ t }) => {
    const cookie = await signIn(t);
    const token = await makeToken(t, {});
    await t.req('DELETE', `/api/v2/alice/tokens/${token.id}`);
    expect((await consoleReq(t, 'GET', '/console/session', { cookie })).status).toBe(200);
  });
});

describe('a token session', () => {
  it('answers with the token rights and is held to them on /api/v2', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { feed: { name: 'Mine' } } });
    await t.req('POST', '/api/v2/alice/feeds', { body: { feed: { name: 'Other' } } });
    const token = await makeToken(t, { feed_id: 'mine', createable: false, updateable: false, deleteable: false });
    const res = await consoleReq(t, 'POST', '/console/session', { body: { token: token.key } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      username: 'alice',
      kind: 'token',
      permissions: { readable: true, createable: false, updateable: false, deleteable: false, manage: false },
    });
    expect(res.json.permissions.feed_id).toEqual(expect.any(Number));
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds/mine', { cookie })).status).toBe(200);
    expect((await consoleReq(t, 'GET', '/api/v2/alice/feeds/other', { cookie })).status).toBe(403);
    expect((await consoleReq(t, 'POST', '/api/v2/alice/feeds/mine/data', { cookie, body: { value: 1 } })).status).toBe(403);
    // Token management is the key's alone, in the console too.
    expect((await consoleReq(t, 'GET', '/api/v2/alice/tokens', { cookie })).status).toBe(403);
  });
});

describe('console responses', () => {
  it("carry the CSP (with the import map's sha256), Referrer-Policy and nosniff; the API keeps its own headers", async ({ t }) => {
    const page = await t.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page.body)![1]!;
    const hash = createHash('sha256').update(map).digest('base64');
    const csp = `default-src 'self'; script-src 'self' 'sha256-${hash}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`;
    expect(page.headers['content-security-policy']).toBe(csp);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    for (const url of ['/app.js', '/vendor/preact.js', '/console/session']) {
      const res = await t.app.inject({ method: 'GET', url, headers: SAME_ORIGIN });
      expect(res.headers['content-security-policy'], url).toBe(csp);
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
    }
    // No inline script besides the import map, no inline style attribute.
    expect(page.body.match(/<script(?![^>]*\bsrc=)/g)).toHaveLength(1);
    expect(page.body).not.toMatch(/\sstyle=/);
  });

  it('serve the modules with a JavaScript type and keep the JSON 404 for unknown paths', async ({ t }) => {
    const js = await t.app.inject({ method: 'GET', url: '/vendor/htm.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const missing = await t.app.inject({ method: 'GET', url: '/no-such-page' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toContain('not found');
    const vendorMissing = await t.app.inject({ method: 'GET', url: '/vendor/react.js' });
    expect(vendorMissing.statusCode).toBe(404);
  });

  it('never write the key or the cookie secret in a log line, even at trace level', async () => {
    const base = makeCore({ config: { consoleIdleMinutes: 10 } });
    const lines: string[] = [];
    const app = await buildApp(base.core, { logLevel: 'trace', logStream: { write: (l) => void lines.push(l) } });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/console/session',
        headers: { ...SAME_ORIGIN, 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'alice', key: base.alice.key }),
      });
      const cookie = String(res.headers['set-cookie']).split(';')[0]!;
      await app.inject({ method: 'GET', url: '/api/v2/alice/feeds', headers: { ...SAME_ORIGIN, cookie } });
      await app.inject({
        method: 'POST',
        url: '/console/session',
        headers: { ...SAME_ORIGIN, 'content-type': 'application/json' },
        payload: '{"username":"alice","key":',
      });
      expect(lines.length).toBeGreaterThan(0);
      const all = lines.join('\n');
      expect(all).not.toContain(base.alice.key);
      expect(all).not.toContain(cookie.split('=')[1]!);
    } finally {
      await app.close();
      base.close();
    }
  });
});

describe('Secure cookie over TLS', () => {
  it('adds Secure when the request came over TLS', async () => {
    const tmp = tempDir('aio-tls-');
    const key = join(tmp.dir, 'key.pem');
    const cert = join(tmp.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { stdio: 'ignore' },
    );
    const base = makeCore();
    const app = await buildApp(base.core, { logLevel: 'silent' });
    await app.ready();
    // The same app behind a TLS socket: Fastify's router is what its own server would call.
    const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => app.routing(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const setCookie = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/console/session',
            method: 'POST',
            rejectUnauthorized: false,
            headers: { ...SAME_ORIGIN, 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(String(res.headers['set-cookie']));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ username: 'alice', key: base.alice.key }));
      });
      expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await new Promise((r) => server.close(r));
      await app.close();
      base.close();
      tmp.cleanup();
    }
  });
});

describe('AIO_CONSOLE_IDLE_MINUTES', () => {
  it('defaults to 60, takes whole minutes, and names itself in errors', () => {
    expect(loadConfig({}).consoleIdleMinutes).toBe(60);
    expect(loadConfig({ AIO_CONSOLE_IDLE_MINUTES: '5' }).consoleIdleMinutes).toBe(5);
    expect(() => loadConfig({ AIO_CONSOLE_IDLE_MINUTES: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ AIO_CONSOLE_IDLE_MINUTES: 'soon' })).toThrow(/AIO_CONSOLE_IDLE_MINUTES/);
  });
});

describe('GET /console/limits', () => {
  const limited = appTestWith({ config: { accountLimits: { feeds: 3, groups: 0, dashboards: 2 } } });
  limited('counts the account feeds, groups and dashboards against its caps; 401 without a session', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { feed: { name: 'One' } } });
    await t.req('POST', '/api/v2/bob/feeds', { as: t.bob, body: { feed: { name: 'Bobs' } } });
    const cookie = await signIn(t);
    const res = await consoleReq(t, 'GET', '/console/limits', { cookie });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ feeds: { used: 1, max: 3 }, groups: { used: 0, max: 0 }, dashboards: { used: 0, max: 2 } });
    expect((await consoleReq(t, 'GET', '/console/limits')).status).toBe(401);
    expect((await consoleReq(t, 'GET', '/console/limits', { cookie, headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(401);
  });
});
