import { describe, expect } from 'vitest';
import { appTestWith, type FakeClock, type TestApp } from '../helpers.js';

const it = appTestWith({ fakeClock: true });

const BASE = '/api/v2/alice';
const MINUTE = 60_000;

/** Feed create 12:00, feed update 12:01, group create 12:02, dashboard create 12:03, block create 12:04. */
async function history(t: TestApp, clock: FakeClock) {
  await t.req('POST', `${BASE}/feeds`, { body: { name: 'temp' } });
  clock.advance(MINUTE);
  await t.req('PUT', `${BASE}/feeds/temp`, { body: { description: 'outside' } });
  clock.advance(MINUTE);
  await t.req('POST', `${BASE}/groups`, { body: { name: 'house' } });
  clock.advance(MINUTE);
  await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Main' } });
  clock.advance(MINUTE);
  await t.req('POST', `${BASE}/dashboards/main/blocks`, { body: { visual_type: 'gauge' } });
}

const summary = (json: Array<{ action: string; model: string }>) => json.map((a) => `${a.action} ${a.model}`);

describe('GET activities', () => {
  it('lists the account’s actions newest first, each with its record as a JSON string', async ({ t, clock }) => {
    await history(t, clock);
    const res = await t.req('GET', `${BASE}/activities`);
    expect(res.status).toBe(200);
    expect(summary(res.json)).toEqual(['create Block', 'create Dashboard', 'create Group', 'update Feed', 'create Feed']);
    const feedUpdate = res.json[3];
    expect(feedUpdate).toEqual({
      username: 'alice',
      owner: { id: t.alice.user.id, username: 'alice' },
      id: expect.any(Number),
      action: 'update',
      model: 'Feed',
      data: expect.any(String),
      user_id: t.alice.user.id,
      created_at: '2026-01-15T12:01:00Z',
      updated_at: '2026-01-15T12:01:00Z',
    });
    expect(JSON.parse(feedUpdate.data)).toMatchObject({
      key: 'temp',
      name: 'temp',
      description: 'outside',
      updated_at: '2026-01-15T12:01:00Z',
    });
    expect(res.headers['x-pagination-count']).toBe('5');
    expect(res.headers['x-pagination-total']).toBe('5');
    expect(res.headers['x-pagination-limit']).toBe('1000');
    expect(res.headers.link).not.toContain('rel="next"');
  });

  it('records tokens without their secret', async ({ t }) => {
    const token = (await t.req('POST', `${BASE}/tokens`, { body: {} })).json;
    await t.req('DELETE', `${BASE}/tokens/${token.id}`);
    const res = await t.req('GET', `${BASE}/activities/token`);
    expect(summary(res.json)).toEqual(['delete Token', 'create Token']);
    expect(res.text).not.toContain(token.key);
    expect(JSON.parse(res.json[0].data)).toMatchObject({ id: token.id, readable: true });
  });

  it('filters by start_time and end_time (inclusive)', async ({ t, clock }) => {
    await history(t, clock);
    const res = await t.req('GET', `${BASE}/activities?start_time=2026-01-15T12:01:00Z&end_time=2026-01-15T12:03:00Z`);
    expect(summary(res.json)).toEqual(['create Dashboard', 'create Group', 'update Feed']);
    expect(res.headers['x-pagination-total']).toBe('3');
    expect(res.headers['x-pagination-start']).toBe('2026-01-15T12:01:00.000+0000');
    expect(res.headers['x-pagination-end']).toBe('2026-01-15T12:03:00.000+0000');
  });

  it('limit pages through them with the Link header', async ({ t, clock }) => {
    await history(t, clock);
    const first = await t.req('GET', `${BASE}/activities?limit=2`);
    expect(summary(first.json)).toEqual(['create Block', 'create Dashboard']);
    expect(first.headers['x-pagination-total']).toBe('5');
    const link = String(first.headers.link);
    const next = /rel="next", <(.+?)>/.exec(link)?.[1];
    expect(next).toMatch(/[?&]before=/);
    const url = new URL(next!);
    const second = await t.req('GET', url.pathname + url.search);
    expect(summary(second.json)).toEqual(['create Group', 'update Feed']);
    const third = await t.req(
      'GET',
      (() => {
        const u = new URL(/rel="next", <(.+?)>/.exec(String(second.headers.link))![1]!);
        return u.pathname + u.search;
      })(),
    );
    expect(summary(third.json)).toEqual(['create Feed']);
    expect(String(third.headers.link)).not.toContain('rel="next"');
  });

  it('GET activities/{type}: by model, in any case, singular or plural', async ({ t, clock }) => {
    await history(t, clock);
    for (const type of ['feed', 'Feed', 'feeds']) {
      const res = await t.req('GET', `${BASE}/activities/${type}`);
      expect(res.status).toBe(200);
      expect(summary(res.json)).toEqual(['update Feed', 'create Feed']);
      expect(res.headers['x-pagination-total']).toBe('2');
    }
    expect(summary((await t.req('GET', `${BASE}/activities/dashboard`)).json)).toEqual(['create Dashboard']);
    expect(summary((await t.req('GET', `${BASE}/activities/block?limit=1`)).json)).toEqual(['create Block']);
    expect((await t.req('GET', `${BASE}/activities/token`)).json).toEqual([]);
  });

  it('bad input is a JSON 422: unknown type, bad limit, bad times, start after end, bad cursor', async ({ t }) => {
    for (const url of [
      `${BASE}/activities/data`,
      `${BASE}/activities?limit=0`,
      `${BASE}/activities?limit=many`,
      `${BASE}/activities?start_time=yesterday`,
      `${BASE}/activities/feed?end_time=soon`,
      `${BASE}/activities?start_time=2026-01-16T00:00:00Z&end_time=2026-01-15T00:00:00Z`,
      `${BASE}/activities?before=abc`,
    ]) {
      const res = await t.req('GET', url);
      expect(res.status, url).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
  });

  it('a limit above 1000 is capped at 1000', async ({ t, clock }) => {
    await history(t, clock);
    const res = await t.req('GET', `${BASE}/activities?limit=5000`);
    expect(res.status).toBe(200);
    expect(res.headers['x-pagination-limit']).toBe('1000');
  });

  it('wrong user: bob’s key on alice’s path is a 403; bob’s own list has none of alice’s', async ({ t, clock }) => {
    await history(t, clock);
    for (const [method, url] of [
      ['GET', `${BASE}/activities`],
      ['GET', `${BASE}/activities/feed`],
      ['DELETE', `${BASE}/activities`],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob });
      expect(res.status).toBe(403);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', '/api/v2/bob/activities', { as: t.bob })).json).toEqual([]);
    expect((await t.req('GET', `${BASE}/activities`)).json).toHaveLength(5);
  });

  it('needs a key', async ({ t }) => {
    expect((await t.req('GET', `${BASE}/activities`, { key: null })).status).toBe(401);
  });
});

describe('DELETE activities', () => {
  it('clears them: "OK", then an empty list; new actions are recorded again', async ({ t, clock }) => {
    await history(t, clock);
    const del = await t.req('DELETE', `${BASE}/activities`);
    expect(del.status).toBe(200);
    expect(del.json).toBe('OK');
    const empty = await t.req('GET', `${BASE}/activities`);
    expect(empty.json).toEqual([]);
    expect(empty.headers['x-pagination-total']).toBe('0');
    await t.req('DELETE', `${BASE}/feeds/temp`);
    expect(summary((await t.req('GET', `${BASE}/activities`)).json)).toEqual(['delete Feed']);
  });

  it('with a token: deleteable needed; a readable token lists them', async ({ t, clock }) => {
    await history(t, clock);
    const ro = (await t.req('POST', `${BASE}/tokens`, { body: { deleteable: false } })).json;
    expect((await t.req('GET', `${BASE}/activities`, { key: ro.key })).status).toBe(200);
    expect((await t.req('DELETE', `${BASE}/activities`, { key: ro.key })).status).toBe(403);
    expect((await t.req('GET', `${BASE}/activities`)).json.length).toBeGreaterThan(0);
  });
});
