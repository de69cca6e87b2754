// data/last and GET data answer prepared text (routes/data.ts, Data.pageText): whatever changes
// the database, here or in another process, must show in the next answer.
import Database from 'better-sqlite3';
import { describe, expect } from 'vitest';
import { appTest as it, type TestApp } from '../helpers.js';

const last = (t: TestApp, feed = 'temp', as = t.alice) => t.req('GET', `/api/v2/alice/feeds/${feed}/data/last`, { as });
const post = (t: TestApp, value: string, feed = 'temp') => t.req('POST', `/api/v2/alice/feeds/${feed}/data`, { body: { value } });

describe('data/last kept between identical reads', () => {
  it('answers the same bytes while nothing changes, and the new point once one is stored', async ({ t }) => {
    const first = (await post(t, '1')).json;
    const a = await last(t);
    const b = await last(t);
    const c = await last(t);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(b.text).toBe(a.text);
    expect(c.text).toBe(a.text);
    expect(a.json).toEqual(first);
    await post(t, '2');
    expect((await last(t)).json.value).toBe('2');
    expect((await last(t)).json.value).toBe('2');
  });

  it('sees an update, a delete, a rename and a feed deleted', async ({ t }) => {
    await post(t, '1');
    const second = (await post(t, '2')).json;
    await last(t);
    await last(t);
    await t.req('PUT', `/api/v2/alice/feeds/temp/data/${second.id}`, { body: { value: '2b' } });
    expect((await last(t)).json.value).toBe('2b');
    await last(t);
    await t.req('DELETE', `/api/v2/alice/feeds/temp/data/${second.id}`);
    expect((await last(t)).json.value).toBe('1');
    await last(t);
    expect((await t.req('PATCH', '/api/v2/alice/feeds/temp', { body: { name: 'Renamed', key: 'renamed' } })).status).toBe(200);
    expect((await last(t)).status).toBe(404);
    expect((await last(t, 'renamed')).json.value).toBe('1');
    expect((await t.req('DELETE', '/api/v2/alice/feeds/renamed')).status).toBe(200);
    expect((await last(t, 'renamed')).status).toBe(404);
  });

  it('sees what another process committed to the file', async ({ t }) => {
    const point = (await post(t, 'before')).json;
    await last(t);
    expect((await last(t)).json.value).toBe('before');
    const other = new Database(t.config.dbPath);
    try {
      other.prepare('UPDATE data SET value = ? WHERE id = ?').run('after', point.id);
    } finally {
      other.close();
    }
    expect((await last(t)).json.value).toBe('after');
  });

  it('keeps the read pointer rule: data/next after data/last finds nothing, after data/first the second point', async ({ t }) => {
    await post(t, '1');
    await post(t, '2');
    for (let i = 0; i < 3; i++) expect((await last(t)).json.value).toBe('2');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/next')).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/first')).json.value).toBe('1');
    // The pointer moved: data/last must move it back (not answer from before without moving it).
    expect((await last(t)).json.value).toBe('2');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/next')).status).toBe(404);
  });

  it('is kept per account: another key gets its 403, a feed without data its 404', async ({ t }) => {
    await post(t, '1');
    await last(t);
    await last(t);
    expect((await last(t, 'temp', t.bob)).status).toBe(403);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/last', { key: null })).status).toBe(401);
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'empty' } });
    expect((await last(t, 'empty')).status).toBe(404);
    expect((await last(t, 'missing')).status).toBe(404);
  });

  it('include= still picks fields', async ({ t }) => {
    await post(t, '1');
    await last(t);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/last?include=value')).json).toEqual({ value: '1' });
  });
});

describe('GET data as prepared text', () => {
  it('answers the records exactly as the record serializer makes them, with the page headers', async ({ t }) => {
    const made = [];
    for (const body of [{ value: 'a "quoted" ✓' }, { value: '2', lat: 42.1, lon: -71.2 }, { value: '3', lat: 1, lon: 2, ele: 3 }])
      made.push((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body })).json);
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data?limit=2');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json).toEqual([made[2], made[1]]);
    expect(res.headers['x-pagination-count']).toBe('2');
    expect(res.headers['x-pagination-total']).toBe('3');
    expect(String(res.headers.link)).toContain('rel="next"');
    // Adafruit's Link: `<self>;rel="next", <next page>`.
    const next = /, <([^>]+)>$/.exec(String(res.headers.link))![1]!;
    const rest = await t.req('GET', new URL(next).pathname + new URL(next).search);
    expect(rest.json).toEqual([made[0]]);
    expect(rest.headers.link).not.toContain('rel="next"');
    // An empty page is an empty array.
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data?end_time=2000-01-01T00:00:00Z')).text).toBe('[]');
  });
});
