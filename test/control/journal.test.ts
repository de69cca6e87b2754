// The traffic journal through the control API, fed by real HTTP requests and MQTT packets.

import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from './helpers.js';

const KEY = 'alice-key-0123456789';

let t: Controlled;

beforeEach(async () => {
  t = await startControlled();
});
afterEach(async () => {
  await t.close();
});

async function httpGet(path: string): Promise<number> {
  return (await fetch(`${t.server.httpUrl}/api/v2${path}`)).status;
}

describe('journal entries', () => {
  it('an HTTP request: method, path, redacted query, status, body, address, at by the control clock', async () => {
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2030-01-01T00:00:00.000Z' });
    expect(await httpGet(`/alice/feeds?x-aio-key=${KEY}&limit=5`)).toBe(200);
    const posted = await t.api('POST', '/alice/feeds', KEY, { name: 'temp', description: 'x'.repeat(5000) });
    const { json } = await t.ctl('GET', '/_aio/accounts/alice/journal?door=http');
    expect(json.entries).toHaveLength(2);
    expect(json.entries[0]).toMatchObject({
      at: '2030-01-01T00:00:00.000Z',
      door: 'http',
      dir: 'in',
      method: 'GET',
      path: '/alice/feeds',
      query: 'x-aio-key=[redacted]&limit=5',
      status: 200,
      ip: '127.0.0.1',
      fault: null,
    });
    expect(json.entries[1]).toMatchObject({ method: 'POST', path: '/alice/feeds', status: posted.status });
    expect(json.entries[1].body).toHaveLength(4096);
    expect(JSON.stringify(json)).not.toContain(KEY);
    expect(json.next_since).toBe(json.entries[1].seq);
    expect(json.dropped).toBe(0);
  });

  it('MQTT packets both ways, CONNECT without its password', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
      username: 'alice',
      password: KEY,
      clientId: 'dev-1',
      reconnectPeriod: 0,
    });
    await client.publishAsync('alice/f/temp', '21.5', { qos: 1 });
    await client.endAsync();
    const { json } = await t.ctl('POST', '/_aio/accounts/alice/journal/wait', { match: { packet: 'disconnect' }, timeout_ms: 5000 });
    expect(json.matched).toBe(true);
    const all = (await t.ctl('GET', '/_aio/accounts/alice/journal?door=mqtt')).json.entries;
    expect(all.map((e: { dir: string; packet: string }) => `${e.dir} ${e.packet}`)).toEqual([
      'in connect',
      'out connack',
      'in publish',
      'out puback',
      'in disconnect',
    ]);
    expect(all[0]).toMatchObject({ client_id: 'dev-1', username: 'alice', keepalive: 60, clean: true });
    expect(all[1]).toMatchObject({ return_code: 0 });
    expect(all[2]).toMatchObject({ topic: 'alice/f/temp', qos: 1, retain: false, dup: false, payload: '21.5', fault: null });
    expect(all[3].message_id).toBe(all[2].message_id);
    expect(JSON.stringify(all)).not.toContain(KEY);
  });

  it('bounded by AIO_CONTROL_JOURNAL_MAX: the oldest go, counted in dropped', async () => {
    await t.close();
    t = await startControlled({ controlJournalMax: 3 });
    for (let i = 0; i < 5; i++) expect(await httpGet(`/alice/feeds?n=${i}`)).toBe(401);
    const { json } = await t.ctl('GET', '/_aio/accounts/alice/journal');
    expect(json.entries.map((e: { query: string }) => e.query)).toEqual(['n=2', 'n=3', 'n=4']);
    expect(json.dropped).toBe(2);
  });
});

describe('journal routes', () => {
  it('list filters by field and since, with a limit', async () => {
    await httpGet('/alice/feeds');
    await httpGet('/alice/groups');
    await httpGet('/alice/feeds/x');
    const feeds = (await t.ctl('GET', '/_aio/accounts/alice/journal?path=/alice/feeds/*')).json;
    expect(feeds.entries.map((e: { path: string }) => e.path)).toEqual(['/alice/feeds/x']);
    const page = (await t.ctl('GET', '/_aio/accounts/alice/journal?limit=2')).json;
    expect(page.entries).toHaveLength(2);
    const rest = (await t.ctl('GET', `/_aio/accounts/alice/journal?since=${page.next_since}`)).json;
    expect(rest.entries.map((e: { path: string }) => e.path)).toEqual(['/alice/feeds/x']);
  });

  it('count and clear', async () => {
    await httpGet('/alice/feeds');
    await httpGet('/alice/feeds');
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/count', { match: { method: 'GET' } })).json).toEqual({ count: 2 });
    expect(await t.ctl('DELETE', '/_aio/accounts/alice/journal')).toEqual({ status: 200, json: { removed: 2 } });
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/count', {})).json).toEqual({ count: 0 });
  });

  it('wait: history from since first, then entries still to come', async () => {
    await httpGet('/alice/feeds');
    const first = (await t.ctl('POST', '/_aio/accounts/alice/journal/wait', { match: { path: '/alice/feeds' } })).json;
    expect(first).toMatchObject({ matched: true, entries: [{ path: '/alice/feeds' }] });
    const waiting = t.ctl('POST', '/_aio/accounts/alice/journal/wait', {
      match: { path: '/alice/feeds' },
      since: first.next_since,
      timeout_ms: 10_000,
    });
    await httpGet('/alice/groups');
    await httpGet('/alice/feeds');
    const second = (await waiting).json;
    expect(second.matched).toBe(true);
    expect(second.entries).toHaveLength(1);
    expect(second.entries[0].seq).toBeGreaterThan(first.next_since);
    expect(second.next_since).toBe(second.entries[0].seq);
  });

  it('wait with a timeout answers 200 matched false with what it found', async () => {
    await httpGet('/alice/feeds');
    const res = await t.ctl('POST', '/_aio/accounts/alice/journal/wait', { match: { method: 'GET' }, count: 2, timeout_ms: 30 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ matched: false, entries: [{ path: '/alice/feeds' }] });
  });

  it('waits end when the server closes', async () => {
    const waiting = t.ctl('POST', '/_aio/accounts/alice/journal/wait', { timeout_ms: 60_000 });
    const journal = t.server.control!.journal!;
    while (journal.waiting === 0) await new Promise((r) => setTimeout(r, 5));
    await t.server.close();
    expect((await waiting).json).toMatchObject({ matched: false, entries: [] });
  });

  it('bad input: 400 naming the field', async () => {
    const bad = await t.ctl('GET', '/_aio/accounts/alice/journal?colour=red');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/query\.colour/);
    expect((await t.ctl('GET', '/_aio/accounts/alice/journal?since=-1')).json.error).toMatch(/since/);
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/wait', { timeout_ms: 600_000 })).json.error).toMatch(/timeout_ms/);
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/wait', { count: 0 })).status).toBe(400);
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/count', { match: 'all' })).json.error).toMatch(/match/);
  });

  it('no or wrong bearer key: 401, and the journal is kept', async () => {
    await httpGet('/alice/feeds');
    expect((await t.ctl('GET', '/_aio/accounts/alice/journal', undefined, null)).status).toBe(401);
    expect((await t.ctl('DELETE', '/_aio/accounts/alice/journal', undefined, 'wrong-key-0123456789')).status).toBe(401);
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/wait', {}, 'wrong-key-0123456789')).status).toBe(401);
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/count', {}, null)).status).toBe(401);
    expect((await t.ctl('POST', '/_aio/accounts/alice/journal/count', {})).json.count).toBe(1);
  });

  it('an account with no traffic (or none at all) has an empty journal, not an error', async () => {
    expect(await t.ctl('GET', '/_aio/accounts/nobody/journal')).toEqual({ status: 200, json: { entries: [], next_since: 0, dropped: 0 } });
    expect((await t.ctl('POST', '/_aio/accounts/nobody/journal/count', {})).json).toEqual({ count: 0 });
  });
});
