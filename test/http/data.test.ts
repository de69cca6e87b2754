import { describe, expect } from 'vitest';
import { appTestWith, type TestApp } from '../helpers.js';

const it = appTestWith({ fakeClock: true });

const post = (t: TestApp, value: unknown, extra: Record<string, unknown> = {}, feed = 'temp') =>
  t.req('POST', `/api/v2/alice/feeds/${feed}/data`, { body: { value, ...extra } });

describe('data create', () => {
  it('answers 200 with the record, creating the feed on first use', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/feeds/TestStream/data', { form: { value: '24' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: res.json.id,
      value: '24',
      feed_id: res.json.feed_id,
      feed_key: 'teststream',
      created_at: '2026-01-15T12:00:00Z',
      created_epoch: Date.parse('2026-01-15T12:00:00Z') / 1000,
      expiration: '2026-02-14T12:00:00Z',
    });
    expect(res.json.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect((await t.req('GET', '/api/v2/alice/feeds/teststream')).json.name).toBe('TestStream');
  });

  it('keeps values as sent: integers stay integers, objects are compact JSON, strings untouched', async ({ t }) => {
    expect((await post(t, 40)).json.value).toBe('40');
    expect((await post(t, 22.587)).json.value).toBe('22.587');
    expect((await post(t, 'foo')).json.value).toBe('foo');
    expect((await post(t, true)).json.value).toBe('true');
    expect((await post(t, { a: 1, b: [1, 2] })).json.value).toBe('{"a":1,"b":[1,2]}');
    expect((await post(t, '  spaced  ')).json.value).toBe('  spaced  ');
  });

  it('stores a JSON body without a value key whole', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: '{ "temp": 21.5, "hum": 40 }' });
    expect(res.status).toBe(200);
    expect(res.json.value).toBe('{"temp":21.5,"hum":40}');
  });

  it('round-trips lat, lon and ele exactly, from numbers and numeric strings', async ({ t }) => {
    const res = await post(t, 40, {
      lat: 40.72619,
      lon: '-74.005334',
      ele: -6,
      created_at: null,
      id: null,
      feed_id: null,
      expiration: null,
    });
    expect(res.json).toMatchObject({ lat: 40.72619, lon: -74.005334, ele: -6 });
    expect(res.json.location).toEqual({ type: 'Feature', geometry: { type: 'Point', coordinates: [-74.005334, 40.72619, -6] } });
    const last = await t.req('GET', '/api/v2/alice/feeds/temp/data/last');
    expect([last.json.lat, last.json.lon, last.json.ele]).toEqual([40.72619, -74.005334, -6]);
  });

  it('accepts created_at in the past and epoch seconds', async ({ t }) => {
    expect((await post(t, 1, { created_at: '2025-12-01T08:30:00Z' })).json).toMatchObject({
      created_at: '2025-12-01T08:30:00Z',
      created_epoch: 1764577800,
    });
    expect((await post(t, 2, { epoch: 1764577900 })).json.created_at).toBe('2025-12-01T08:31:40Z');
    const list = await t.req('GET', '/api/v2/alice/feeds/temp/data');
    expect(list.json.map((d: { value: string }) => d.value)).toEqual(['2', '1']);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp')).json.last_value).toBe('2');
  });

  it('a late write does not become the last value', async ({ t }) => {
    await post(t, 'now');
    await post(t, 'old', { created_at: '2020-01-01T00:00:00Z' });
    expect((await t.req('GET', '/api/v2/alice/feeds/temp')).json.last_value).toBe('now');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/last')).json.value).toBe('now');
  });

  it('refuses a missing value, bad location and bad dates with 422, storing nothing', async ({ t }) => {
    await post(t, 1);
    for (const body of [{}, { value: null }, { value: 1, lat: 'north' }, { value: 1, created_at: 'yesterday' }, { value: 1, epoch: 'x' }]) {
      const res = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: body as Record<string, unknown> });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { form: { lat: '1' } })).status).toBe(422);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data')).json).toHaveLength(1);
  });

  it('refuses values over 1 KB with history, allows up to 100 KB without, keeping only the last', async ({ t }) => {
    expect((await post(t, 'x'.repeat(1024))).status).toBe(200);
    expect((await post(t, 'x'.repeat(1025))).status).toBe(422);
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Image', history: false } });
    expect((await post(t, 'y'.repeat(100 * 1024), {}, 'image')).status).toBe(200);
    expect((await post(t, 'z'.repeat(2000), {}, 'image')).status).toBe(200);
    expect((await post(t, 'z'.repeat(100 * 1024 + 1), {}, 'image')).status).toBe(422);
    const list = await t.req('GET', '/api/v2/alice/feeds/image/data');
    expect(list.json.map((d: { value: string }) => d.value.length)).toEqual([2000]);
    expect((await t.req('GET', '/api/v2/alice/feeds/image/details')).json.details.data.count).toBe(1);
  });

  it('a disabled feed takes no data', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Off', enabled: false } });
    expect((await post(t, 1, {}, 'off')).status).toBe(422);
  });
});

describe('data batch', () => {
  it('takes {"data": [...]} and a bare array, in order', async ({ t }) => {
    const a = await t.req('POST', '/api/v2/alice/feeds/testfeed/data/batch', {
      body: { data: [{ value: 42, created_epoch: null, lat: null }, { value: 43 }] },
    });
    expect(a.status).toBe(200);
    expect(a.json.map((d: { value: string }) => d.value)).toEqual(['42', '43']);
    const b = await t.req('POST', '/api/v2/alice/feeds/testfeed/data/batch', { body: [{ value: 44 }] });
    expect(b.json[0].value).toBe('44');
    expect((await t.req('GET', '/api/v2/alice/feeds/testfeed/data/last')).json.value).toBe('44');
  });

  it('is all or nothing', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: [{ value: 1 }, { value: 'x'.repeat(2000) }] } });
    expect(res.status).toBe(422);
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: [] } })).status).toBe(422);
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: [1, 2] } })).status).toBe(422);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp')).status).toBe(404);
  });
});

describe('one data point', () => {
  it('GET, PUT, PATCH and DELETE by id; the id stays', async ({ t }) => {
    const made = (await post(t, 1)).json;
    expect((await t.req('GET', `/api/v2/alice/feeds/temp/data/${made.id}`)).json).toEqual(made);
    const put = await t.req('PUT', `/api/v2/alice/feeds/temp/data/${made.id}`, { body: { datum: { value: 2 } } });
    expect(put.json).toMatchObject({ id: made.id, value: '2' });
    const patch = await t.req('PATCH', `/api/v2/alice/feeds/temp/data/${made.id}`, { body: { lat: 1, lon: 2 } });
    expect(patch.json).toMatchObject({ id: made.id, value: '2', lat: 1, lon: 2 });
    expect((await t.req('GET', '/api/v2/alice/feeds/temp')).json.last_value).toBe('2');
    expect((await t.req('PATCH', `/api/v2/alice/feeds/temp/data/${made.id}`, { body: {} })).status).toBe(422);
    const del = await t.req('DELETE', `/api/v2/alice/feeds/temp/data/${made.id}`);
    expect(del.status).toBe(200);
    expect(del.json).toBe('OK');
    expect((await t.req('GET', `/api/v2/alice/feeds/temp/data/${made.id}`)).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/details')).json.details.data.count).toBe(0);
  });

  it('include= keeps only the named fields; an unknown field is 422', async ({ t }) => {
    const made = (await post(t, 1, { lat: 5 })).json;
    expect((await t.req('GET', `/api/v2/alice/feeds/temp/data/${made.id}?include=value,lat`)).json).toEqual({ value: '1', lat: 5 });
    expect((await t.req('GET', `/api/v2/alice/feeds/temp/data?include=value`)).json).toEqual([{ value: '1' }]);
    expect((await t.req('GET', `/api/v2/alice/feeds/temp/data?include=secret`)).status).toBe(422);
  });

  it('a data id from another feed or malformed is a 404', async ({ t }) => {
    const made = (await post(t, 1)).json;
    await post(t, 1, {}, 'other');
    expect((await t.req('GET', `/api/v2/alice/feeds/other/data/${made.id}`)).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/not-an-id')).status).toBe(404);
    expect((await t.req('DELETE', '/api/v2/alice/feeds/temp/data/0000000000000000000000000Z')).status).toBe(404);
  });
});

describe('read pointer: first, last, next, previous', () => {
  it('follows the Python client tests', async ({ t, clock }) => {
    await post(t, 1);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/next')).json.value).toBe('1');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/previous')).json.value).toBe('1');
    clock.advance(1000);
    await post(t, 2);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/next')).json.value).toBe('2');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/prev')).json.value).toBe('2');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/next')).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/first')).json.value).toBe('1');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/next')).json.value).toBe('2');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/last')).json.value).toBe('2');
  });

  it('an empty feed answers 404 JSON on first, last, next and previous', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Empty' } });
    for (const route of ['first', 'last', 'next', 'previous']) {
      const res = await t.req('GET', `/api/v2/alice/feeds/empty/data/${route}`);
      expect(res.status, route).toBe(404);
      expect(typeof res.json.error).toBe('string');
    }
  });

  it('retain is text/csv value,lat,lon,ele with blanks where unset', async ({ t }) => {
    await post(t, 'hello, world', { lat: 1.5, lon: -2 });
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data/retain');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.text).toBe('"hello, world",1.5,-2,');
    await post(t, 42);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/retain')).text).toBe('42,,,');
  });
});

describe('data list and pagination', () => {
  it('is newest first, with pagination headers and a Link header without a next part when complete', async ({ t, clock }) => {
    await post(t, 1);
    clock.advance(1000);
    await post(t, 2);
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data?limit=100');
    expect(res.json.map((d: { value: string }) => d.value)).toEqual(['2', '1']);
    expect(res.headers['x-pagination-count']).toBe('2');
    expect(res.headers['x-pagination-limit']).toBe('100');
    expect(res.headers['x-pagination-total']).toBe('2');
    expect(res.headers['x-pagination-start']).toBe('');
    expect(res.headers['x-pagination-end']).toBe('2026-01-15T12:00:01.000+0000');
    expect(res.headers.link).toBe('<http://localhost:80/api/v2/alice/feeds/temp/data?end_time=2026-01-15+12%3A00%3A01+UTC&limit=100>');
    expect(String(res.headers.link)).not.toContain('rel="next"');
  });

  it('answers the page as JSON bytes with their exact length, non-ASCII values and ?include= alike', async ({ t }) => {
    await post(t, 'ünïcødé ✓ 🌡 "q" \\');
    await post(t, 'line\nbreak', { lat: 42.5, lon: -71.25 });
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.json.map((d: { value: string }) => d.value)).toEqual(['line\nbreak', 'ünïcødé ✓ 🌡 "q" \\']);
    expect(res.json[0]).toMatchObject({ lat: 42.5, lon: -71.25, location: { geometry: { coordinates: [-71.25, 42.5] } } });
    // The same records as the path through datumJson and Fastify's serializer (include= of every field).
    const all = await t.req(
      'GET',
      '/api/v2/alice/feeds/temp/data?include=id,value,feed_id,feed_key,created_at,location,lat,lon,ele,created_epoch,expiration',
    );
    expect(res.text).toBe(all.text);
  });

  it('pages by cursor in the Adafruit Link form the Python client parses', async ({ t }) => {
    const batch = Array.from({ length: 25 }, (_, i) => ({
      value: i,
      created_at: new Date(Date.parse('2026-01-15T10:00:00Z') + i * 1000).toISOString(),
    }));
    await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: batch } });
    const seen: string[] = [];
    let url: string | undefined = '/api/v2/alice/feeds/temp/data?limit=10';
    let pages = 0;
    while (url) {
      const res = await t.req('GET', url);
      pages++;
      expect(res.headers['x-pagination-total']).toBe('25');
      seen.push(...res.json.map((d: { value: string }) => d.value));
      const m = /rel="next", <(.+?)>/.exec(String(res.headers.link));
      url = m ? new URL(m[1]!).pathname + new URL(m[1]!).search : undefined;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => String(24 - i)));
  });

  it('filters by start_time and end_time in ISO-8601 and Rails forms', async ({ t }) => {
    for (let i = 0; i < 5; i++) await post(t, i, { created_at: `2026-01-0${i + 1}T00:00:00Z` });
    const range = await t.req('GET', '/api/v2/alice/feeds/temp/data?start_time=2026-01-02T00:00Z&end_time=2026-01-04T00:00:00Z');
    expect(range.json.map((d: { value: string }) => d.value)).toEqual(['3', '2', '1']);
    expect(range.headers['x-pagination-total']).toBe('3');
    expect(range.headers['x-pagination-start']).toBe('2026-01-02T00:00:00.000+0000');
    const rails = await t.req('GET', '/api/v2/alice/feeds/temp/data?end_time=2026-01-02+00%3A00%3A00+UTC&limit=1');
    expect(rails.json.map((d: { value: string }) => d.value)).toEqual(['1']);
    expect(String(rails.headers.link)).toContain('rel="next"');
  });

  it('refuses bad limits, times and cursors with 422', async ({ t }) => {
    await post(t, 1);
    for (const q of [
      'limit=0',
      'limit=abc',
      'start_time=soon',
      'end_time=2026-13-45',
      'before=garbage',
      'start_time=2026-02-01&end_time=2026-01-01',
    ]) {
      const res = await t.req('GET', `/api/v2/alice/feeds/temp/data?${q}`);
      expect(res.status, q).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data?limit=5000')).headers['x-pagination-limit']).toBe('1000');
  });
});

describe('data and other users', () => {
  it('bob cannot read or write alice data; a missing feed is 404 on reads', async ({ t }) => {
    const made = (await post(t, 1)).json;
    for (const [method, url] of [
      ['GET', '/api/v2/alice/feeds/temp/data'],
      ['POST', '/api/v2/alice/feeds/temp/data'],
      ['POST', '/api/v2/alice/feeds/temp/data/batch'],
      ['GET', `/api/v2/alice/feeds/temp/data/${made.id}`],
      ['DELETE', `/api/v2/alice/feeds/temp/data/${made.id}`],
      ['GET', '/api/v2/alice/feeds/temp/data/last'],
      ['GET', '/api/v2/alice/feeds/temp/data/retain'],
    ] as const) {
      const res = await t.req(method, url, { as: t.bob, body: method === 'POST' ? { value: 2 } : undefined });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.text).not.toContain(made.id);
    }
    expect((await t.req('GET', `/api/v2/bob/feeds/temp/data/${made.id}`, { as: t.bob })).status).toBe(404);
    expect((await t.req('GET', '/api/v2/bob/feeds/temp/data', { as: t.bob })).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data')).json).toHaveLength(1);
  });

  it('bad keys are 401 with the Adafruit text', async ({ t }) => {
    for (const key of [null, 'this is a bad key from a test', '']) {
      const res = await t.req('POST', '/api/v2/alice/feeds/TestStream/data', { key, body: { value: 1 } });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: 'request failed - invalid API key provided' });
    }
  });
});

describe('values exactly as sent', () => {
  it('keeps the spelling of JSON numbers in values: 40.0, 1.50, 1e3 and long integers', async ({ t }) => {
    expect((await post(t, 40)).json.value).toBe('40');
    for (const raw of ['40.0', '1.50', '1e3', '-0.000', '12345678901234567890']) {
      const res = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: `{"value": ${raw}, "lat": 1.50}` });
      expect(res.json.value, raw).toBe(raw);
      expect(res.json.lat).toBe(1.5);
    }
    const nested = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: '{"value": {"t": 21.50, "ok": true}}' });
    expect(nested.json.value).toBe('{"t":21.50,"ok":true}');
    const whole = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: '{"t": 21.50}' });
    expect(whole.json.value).toBe('{"t":21.50}');
    const batch = await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: '{"data": [{"value": 2.0}, {"value": 3.10}]}' });
    expect(batch.json.map((d: { value: string }) => d.value)).toEqual(['2.0', '3.10']);
    const group = await t.req('POST', '/api/v2/alice/groups/default/data', { body: '{"feeds": [{"key": "temp", "value": 7.0}]}' });
    expect(group.json[0].value).toBe('7.0');
  });

  it('still refuses malformed JSON on data routes with a 400', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: '{"value": 1.5,' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/JSON/);
  });
});

describe('data/last by every identifier', () => {
  it('answers the newest point by key, name, id and group.key, and moves the read pointer to it', async ({ t, clock }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Living Room' } });
    const feed = (await t.req('GET', '/api/v2/alice/feeds/living-room')).json;
    await post(t, 1, {}, 'living-room');
    clock.advance(1000);
    const newest = (await post(t, 2, {}, 'living-room')).json;
    for (const ident of ['living-room', 'LIVING-ROOM', 'Living%20Room', String(feed.id), 'default.living-room']) {
      const res = await t.req('GET', `/api/v2/alice/feeds/${ident}/data/last`);
      expect(res.status, ident).toBe(200);
      expect(res.json, ident).toEqual(newest);
    }
    expect((await t.req('GET', '/api/v2/alice/feeds/living-room/data/next')).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/living-room/data/previous')).json.id).toBe(newest.id);
    expect((await t.req('GET', '/api/v2/alice/feeds/nothing-here/data/last')).status).toBe(404);
  });
});
