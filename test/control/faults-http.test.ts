// HTTP faults as a device sees them (fetch or node:http against the listening server), and the
// fault rule routes of the control API.

import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from './helpers.js';

const KEY = 'alice-key-0123456789';

let t: Controlled;

beforeEach(async () => {
  t = await startControlled();
  expect((await t.api('POST', '/alice/feeds', KEY, { name: 'temp' })).status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

async function fault(rule: Record<string, unknown>): Promise<string> {
  const res = await t.ctl('POST', '/_aio/faults', { door: 'http', account: 'alice', ...rule });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function values(): Promise<string[]> {
  const res = await t.api('GET', '/alice/feeds/temp/data', KEY);
  return (res.json as Array<{ value: string }>).map((d) => d.value);
}

/** A raw request: status, headers and the body bytes that arrived before the end or the connection's loss. */
function rawGet(path: string): Promise<{ status: number; length: string | undefined; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${t.server.httpUrl}/api/v2${path}`);
    const req = request(url, { headers: { 'x-aio-key': KEY } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      const finish = () =>
        resolve({ status: res.statusCode!, length: res.headers['content-length'], body: Buffer.concat(parts), complete: res.complete });
      res.on('end', finish);
      res.on('aborted', finish);
      res.on('error', finish);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP faults', () => {
  it('status: fetch sees the 503 with Retry-After and the default {error} body; nothing is stored; then it passes', async () => {
    const id = await fault({
      match: { method: 'POST', path: '/alice/feeds/*/data' },
      action: { type: 'status', status: 503, headers: { 'Retry-After': '30' } },
      times: 1,
    });
    const res = await fetch(`${t.server.httpUrl}/api/v2/alice/feeds/temp/data`, {
      method: 'POST',
      headers: { 'x-aio-key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ value: '1' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { error: string }).error).toContain(id);
    expect(await values()).toEqual([]);
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, { value: '2' })).status).toBe(200);
    expect(await values()).toEqual(['2']);
  });

  it('status with a body of the rule: the body is sent as given', async () => {
    await fault({ match: { method: 'GET', path: '/alice/feeds' }, action: { type: 'status', status: 429, body: { error: 'slow down' } } });
    const res = await t.api('GET', '/alice/feeds', KEY);
    expect(res).toEqual({ status: 429, json: { error: 'slow down' } });
  });

  it('after phase: the write is committed, then the device gets the 5xx', async () => {
    const id = await fault({
      match: { method: 'POST', path: '/alice/feeds/temp/data' },
      action: { type: 'status', status: 502 },
      phase: 'after',
      times: 1,
    });
    const res = await t.api('POST', '/alice/feeds/temp/data', KEY, { value: '7' });
    expect(res.status).toBe(502);
    expect(await values()).toEqual(['7']);
    expect((await t.ctl('GET', `/_aio/faults/${id}`)).json).toMatchObject({ hits: 1, spent: true });
  });

  it('after phase applies only to requests that succeeded', async () => {
    const id = await fault({
      match: { method: 'POST', path: '/alice/feeds/*/data' },
      action: { type: 'status', status: 502 },
      phase: 'after',
    });
    expect((await t.api('POST', '/alice/feeds/temp/data', KEY, {})).status).toBeGreaterThanOrEqual(400);
    expect((await t.ctl('GET', `/_aio/faults/${id}`)).json.hits).toBe(0);
  });

  it('delay: the answer comes after the delay', async () => {
    await fault({ match: { method: 'GET', path: '/alice/feeds/temp' }, action: { type: 'delay', ms: 120 } });
    const started = performance.now();
    expect((await t.api('GET', '/alice/feeds/temp', KEY)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('reset: the client sees ECONNRESET', async () => {
    await fault({ match: { path: '/alice/feeds/temp' }, action: { type: 'reset' } });
    const err = await fetch(`${t.server.httpUrl}/api/v2/alice/feeds/temp`, { headers: { 'x-aio-key': KEY } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
  });

  it('truncate: the headers promise the whole body, fewer bytes come, and the connection ends', async () => {
    const full = await rawGet('/alice/feeds/temp');
    await fault({ match: { method: 'GET', path: '/alice/feeds/temp' }, action: { type: 'truncate', bytes: 10 } });
    const cut = await rawGet('/alice/feeds/temp');
    expect(cut.status).toBe(200);
    expect(cut.length).toBe(String(full.body.length));
    expect(cut.body.length).toBe(10);
    expect(cut.complete).toBe(false);
    expect(cut.body).toEqual(full.body.subarray(0, 10));
  });

  it('drop: no answer ever comes, and closing the server ends the connection', async () => {
    const id = await fault({ match: { path: '/alice/feeds' }, action: { type: 'drop' } });
    let answered = false;
    const outcome = new Promise<string>((resolve) => {
      const req = request(`${t.server.httpUrl}/api/v2/alice/feeds`, { headers: { 'x-aio-key': KEY } }, () => {
        answered = true;
        resolve('answered');
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    const seen = await t.ctl('POST', '/_aio/accounts/alice/journal/wait', { match: { fault: id }, timeout_ms: 5000 });
    expect(seen.json.entries[0]).toMatchObject({ method: 'GET', path: '/alice/feeds', status: null });
    expect(answered).toBe(false);
    await t.server.close();
    expect(await outcome).toBe('ECONNRESET');
  });

  it('rules are scoped by account: another account is not hit', async () => {
    t.server.core.accounts.add('bob', 'bob-key-0123456789');
    await fault({ match: { path: '/**' }, action: { type: 'status', status: 500 } });
    expect((await t.api('GET', '/bob/feeds', 'bob-key-0123456789')).status).toBe(200);
    expect((await t.api('GET', '/alice/feeds', KEY)).status).toBe(500);
  });
});

describe('fault routes', () => {
  const rule = { door: 'http', match: { method: 'GET', path: '/alice/feeds' }, action: { type: 'status', status: 503 } };

  it('add answers 201 with the rule; list, get, delete one and delete all', async () => {
    const added = await t.ctl('POST', '/_aio/faults', rule);
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({
      ...rule,
      id: expect.any(String),
      account: null,
      phase: 'before',
      hits: 0,
      times: null,
      after: 0,
      probability: 1,
    });
    expect(added.json.seen).toBeUndefined();
    const second = await t.ctl('POST', '/_aio/faults', { ...rule, times: 2 });
    expect((await t.ctl('GET', '/_aio/faults')).json.faults.map((f: { id: string }) => f.id)).toEqual([added.json.id, second.json.id]);
    expect((await t.ctl('GET', `/_aio/faults/${added.json.id}`)).json).toEqual(added.json);
    expect(await t.ctl('DELETE', `/_aio/faults/${added.json.id}`)).toMatchObject({ status: 200, json: { id: added.json.id } });
    expect(await t.ctl('DELETE', '/_aio/faults')).toEqual({ status: 200, json: { removed: 1 } });
    expect((await t.ctl('GET', '/_aio/faults')).json.faults).toEqual([]);
  });

  it('bad rules: 400 naming the field', async () => {
    const bad = await t.ctl('POST', '/_aio/faults', { ...rule, action: { type: 'status', status: 'soon' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/action\.status/);
    expect((await t.ctl('POST', '/_aio/faults', { ...rule, ttl_ms: -5 })).json.error).toMatch(/ttl_ms/);
    expect((await t.ctl('POST', '/_aio/faults', '[1]')).status).toBe(400);
    expect((await t.ctl('GET', '/_aio/faults')).json.faults).toEqual([]);
  });

  it('no or wrong bearer key: 401 and nothing changes', async () => {
    expect((await t.ctl('POST', '/_aio/faults', rule, null)).status).toBe(401);
    expect((await t.ctl('POST', '/_aio/faults', rule, 'wrong-key-0123456789')).status).toBe(401);
    expect((await t.ctl('GET', '/_aio/faults', undefined, null)).status).toBe(401);
    expect((await t.ctl('DELETE', '/_aio/faults', undefined, 'wrong-key-0123456789')).status).toBe(401);
    expect((await t.ctl('GET', '/_aio/faults')).json.faults).toEqual([]);
  });

  it('a missing rule: 404 for get and delete', async () => {
    const got = await t.ctl('GET', '/_aio/faults/f999');
    expect(got.status).toBe(404);
    expect(got.json.error).toMatch(/f999/);
    expect((await t.ctl('DELETE', '/_aio/faults/f999')).status).toBe(404);
  });

  it('ttl_ms follows the control clock', async () => {
    await t.ctl('POST', '/_aio/faults', { ...rule, ttl_ms: 60_000 });
    expect((await t.api('GET', '/alice/feeds', KEY)).status).toBe(503);
    expect((await t.ctl('POST', '/_aio/clock/advance', { ms: 60_000 })).status).toBe(200);
    expect((await t.api('GET', '/alice/feeds', KEY)).status).toBe(200);
  });
});
