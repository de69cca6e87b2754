import type { AddressInfo } from 'node:net';
import { describe, expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Core } from '../../src/core/core.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { buildApp } from '../../src/http/app.js';
import { handleTest, makeCore, type Setup, type TestApp } from '../helpers.js';
import { consoleReq, signIn } from './helpers.js';
import { openStream } from './sse.js';

/**
 * The app listening on a loopback port (streams need a real socket). The heartbeat is short only
 * where a test waits for one: elsewhere a stream that ends must end by its own signal, not a beat.
 */
async function makeListening(opts: Omit<Setup, 'fakeClock'> & { clock?: () => number; heartbeatMs?: number; defaultBeat?: boolean }) {
  const base = makeCore(opts);
  const app = await buildApp(base.core, {
    logLevel: 'silent',
    consoleHeartbeatMs: opts.defaultBeat ? undefined : (opts.heartbeatMs ?? 60_000),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const t = {
    ...base,
    app,
    url,
    req: undefined as unknown as TestApp['req'],
    async close() {
      await app.close();
      base.close();
    },
  };
  return t;
}

/** As the server runs it: the heartbeat it picks itself. */
const makeListeningDefaultBeat = (opts: Omit<Setup, 'fakeClock'>) => makeListening({ ...opts, heartbeatMs: undefined, defaultBeat: true });

const CONFIG = { consoleIdleMinutes: 10, keyCheckIntervalMs: 50 };
const it = handleTest({ fakeClock: true, config: CONFIG }, makeListening);
const beating = handleTest({ fakeClock: true, config: CONFIG, heartbeatMs: 50 }, makeListening);
type T = Awaited<ReturnType<typeof makeListening>>;
const asApp = (t: T) => t as unknown as TestApp;

async function post(t: T, path: string, body: unknown, key = t.alice.key) {
  const res = await fetch(`${t.url}/api/v2${path}`, {
    method: 'POST',
    headers: { 'x-aio-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

describe('GET /console/events', () => {
  it('is 401 without a session, with an unknown cookie, or from another origin', async ({ t }) => {
    const cookie = await signIn(asApp(t));
    expect((await openStream(t.url, null)).status).toBe(401);
    expect((await openStream(t.url, 'aio_console=forged')).status).toBe(401);
    const cross = await openStream(t.url, cookie, { 'sec-fetch-site': 'cross-site' });
    expect(cross.status).toBe(401);
  });

  beating('streams a stored point as the API serializes it, with the feed and its groups, and heartbeats', async ({ t }) => {
    const cookie = await signIn(asApp(t));
    const s = await openStream(t.url, cookie);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.headers['content-security-policy']).toContain("default-src 'self'");
    const made = await post(t, '/alice/feeds/temp/data', { value: '21.5' });
    expect(made.status).toBe(200);
    const e = await s.next('data');
    const last = await (await fetch(`${t.url}/api/v2/alice/feeds/temp/data/last`, { headers: { 'x-aio-key': t.alice.key } })).json();
    expect(e.data).toEqual({ feed_key: 'temp', feed_id: expect.any(Number), group_keys: ['default'], datum: last });
    await s.next('feed');
    await expect.poll(() => s.comments).toBeGreaterThan(1);
    s.close();
  });

  it("never sends another account's events", async ({ t }) => {
    const cookie = await signIn(asApp(t));
    const s = await openStream(t.url, cookie);
    await post(t, '/bob/feeds/secret/data', { value: 'bob' }, t.bob.key);
    await post(t, '/alice/feeds/mine/data', { value: 'alice' });
    const e = await s.next('data');
    expect(e.data.datum.value).toBe('alice');
    // Everything before alice's point has arrived (one stream is in order): nothing of bob's among it.
    expect(s.events.filter((x) => x.type === 'data')).toHaveLength(1);
    expect(s.events.filter((x) => x.type === 'feed').map((x) => x.data.key)).toEqual(['mine']);
    s.close();
  });

  it('tells of feed, group and dashboard changes as {action, key, id}', async ({ t }) => {
    const cookie = await signIn(asApp(t));
    const s = await openStream(t.url, cookie);
    const feed = await post(t, '/alice/feeds', { feed: { name: 'Hum' } });
    const group = await post(t, '/alice/groups', { group: { name: 'Room' } });
    const dash = await post(t, '/alice/dashboards', { dashboard: { name: 'Home' } });
    expect((await s.next('feed')).data).toEqual({ action: 'create', key: 'hum', id: feed.json.id });
    expect((await s.next('group')).data).toEqual({ action: 'create', key: 'room', id: group.json.id });
    expect((await s.next('dashboard')).data).toEqual({ action: 'create', key: 'home', id: dash.json.id });
    s.close();
  });

  beating("a feed-scoped token's stream carries only that feed; a token that cannot read gets no data", async ({ t }) => {
    await post(t, '/alice/feeds', { feed: { name: 'Mine' } });
    await post(t, '/alice/feeds', { feed: { name: 'Other' } });
    const scoped = await post(t, '/alice/tokens', { feed_id: 'mine' });
    const blind = await post(t, '/alice/tokens', { readable: false });
    const s = await openStream(t.url, await signIn(asApp(t), { token: scoped.json.key }));
    const b = await openStream(t.url, await signIn(asApp(t), { token: blind.json.key }));
    await post(t, '/alice/feeds/other/data', { value: 'no' });
    await post(t, '/alice/feeds/mine/data', { value: 'yes' });
    expect((await s.next('data')).data.datum.value).toBe('yes');
    expect(s.events.filter((x) => x.type === 'data')).toHaveLength(1);
    // Heartbeats after both writes: the blind stream is open and got nothing.
    const seen = b.comments;
    await expect.poll(() => b.comments).toBeGreaterThan(seen);
    expect(b.events.filter((x) => x.type === 'data')).toEqual([]);
    s.close();
    b.close();
  });

  it('relays throttle notices and bans without the account row', async ({ t }) => {
    t.core.accounts.setRateLimit('alice', 1);
    const cookie = await signIn(asApp(t));
    const s = await openStream(t.url, cookie);
    await post(t, '/alice/feeds/a/data', { value: 1 });
    expect((await post(t, '/alice/feeds/a/data', { value: 2 })).status).toBe(429);
    const throttle = await s.next('throttle');
    expect(throttle.data).toEqual({ waitSeconds: expect.any(Number), message: expect.stringContaining('data rate limit reached') });
    const user = t.core.accounts.find('alice')!;
    for (let i = 0; i < 25; i++) t.core.bans.note(user, 'connect');
    const ban = await s.next('ban');
    expect(ban.data).toEqual({ until: expect.any(Number), seconds: expect.any(Number), reason: 'connect', message: expect.any(String) });
    expect(JSON.stringify(s.events)).not.toContain('key_hash');
    expect(JSON.stringify(s.events)).not.toContain('keyHash');
    s.close();
  });
});

describe('the stream ends with its session', () => {
  it('on sign-out', async ({ t }) => {
    const cookie = await signIn(asApp(t));
    const s = await openStream(t.url, cookie);
    await consoleReq(asApp(t), 'DELETE', '/console/session', { cookie });
    await s.endsWithin();
  });

  it('on the account key replaced here', async ({ t }) => {
    const s = await openStream(t.url, await signIn(asApp(t)));
    t.core.accounts.setKey('alice', 'alice-new-key-0123456789');
    await s.endsWithin();
  });

  it('on the account key replaced by another process (the account command)', async ({ t, clock }) => {
    const s = await openStream(t.url, await signIn(asApp(t)));
    const db = openDb(t.config.dbPath, { busyTimeoutMs: 1000 });
    const other = new Core(db, { ...t.config }, clock.now);
    other.accounts.setKey('alice', 'alice-cli-key-0123456789');
    other.stop();
    closeDb(db);
    await s.endsWithin();
  });

  it('on deletion of the token it was made from', async ({ t }) => {
    const token = await post(t, '/alice/tokens', {});
    const s = await openStream(t.url, await signIn(asApp(t), { token: token.json.key }));
    const other = await openStream(t.url, await signIn(asApp(t)));
    await fetch(`${t.url}/api/v2/alice/tokens/${token.json.id}`, { method: 'DELETE', headers: { 'x-aio-key': t.alice.key } });
    await s.endsWithin();
    // The key session of the same account stays.
    await post(t, '/alice/feeds/still/data', { value: 1 });
    await other.next('data');
    other.close();
  });

  beating('after the idle time, by the core clock (the stream itself does not keep a session alive)', async ({ t, clock }) => {
    const s = await openStream(t.url, await signIn(asApp(t)));
    const beats = s.comments;
    await expect.poll(() => s.comments).toBeGreaterThan(beats + 1);
    clock.advance(10 * 60_000);
    await s.endsWithin();
  });
});

describe('a quiet stream', () => {
  const quiet = handleTest({ config: { http: { ...loadConfig({}).http, idleTimeoutMs: 300 } } }, makeListeningDefaultBeat);
  quiet('outlives the socket idle timeout: its heartbeat comes well inside it', async ({ t }) => {
    const s = await openStream(t.url, await signIn(asApp(t)));
    await new Promise((r) => setTimeout(r, 1000));
    expect(s.comments).toBeGreaterThan(2);
    await post(t, '/alice/feeds/late/data', { value: 1 });
    await s.next('data');
    s.close();
  });
});

describe('a slow reader', () => {
  it('is cut off instead of growing a backlog', async ({ t }) => {
    const cookie = await signIn(asApp(t));
    const s = await openStream(t.url, cookie);
    s.res.pause();
    const value = 'x'.repeat(1000);
    const total = 8 * 500;
    for (let i = 0; i < total / 500; i++) {
      const data = Array.from({ length: 500 }, () => ({ value }));
      expect((await post(t, '/alice/feeds/big/data/batch', { data })).status).toBe(200);
    }
    s.res.resume();
    await s.endsWithin();
    const got = s.events.filter((e) => e.type === 'data').length;
    expect(got).toBeLessThan(total);
    // The server holds no stream for it any more: a new point goes nowhere and nothing waits.
    const again = await openStream(t.url, cookie);
    await post(t, '/alice/feeds/big/data', { value: 'after' });
    expect((await again.next('data')).data.datum.value).toBe('after');
    again.close();
  });
});
