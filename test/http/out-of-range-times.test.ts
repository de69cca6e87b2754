import { describe, expect } from 'vitest';
import { appTest as it } from '../helpers.js';

// Times outside what ISO-8601 with four-digit years (and, for data, a data id) can hold used to be
// stored and then made every read of the feed fail with 500. They are refused and store nothing.

describe('out-of-range times', () => {
  const BAD_DATA_TIMES: Array<Record<string, unknown>> = [
    { epoch: 1e15 },
    { epoch: -1e15 },
    { epoch: 1e300 },
    { epoch: -1 },
    { created_at: '99999999999999' },
    { created_at: '5000-01-01T00:00:00Z' },
    { created_at: '1969-12-31T23:59:59Z' },
  ];

  it('a data point with one is a 422 on every data route, and the feed reads as before', async ({ t }) => {
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } })).status).toBe(200);
    for (const time of BAD_DATA_TIMES) {
      const one = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 2, ...time } });
      expect(one.status, JSON.stringify(time)).toBe(422);
      expect(one.json.error).toMatch(/must be between 1970-01-01T00:00:00Z and 4999-12-31T23:59:59Z/);
      const batch = await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: [{ value: 3 }, { value: 4, ...time }] });
      expect(batch.status, JSON.stringify(time)).toBe(422);
      const group = await t.req('POST', '/api/v2/alice/groups/default/data', { body: { feeds: [{ key: 'temp', value: 5 }], ...time } });
      expect(group.status, JSON.stringify(time)).toBe(422);
      const auto = await t.req('POST', '/api/v2/alice/feeds/brand-new/data', { body: { value: 6, ...time } });
      expect(auto.status).toBe(422);
    }
    // Nothing of it was stored, no feed was made, and every read still answers.
    expect((await t.req('GET', '/api/v2/alice/feeds/brand-new')).status).toBe(404);
    const list = await t.req('GET', '/api/v2/alice/feeds/temp/data');
    expect(list.status).toBe(200);
    expect(list.json.map((d: { value: string }) => d.value)).toEqual(['1']);
    for (const path of ['data/last', 'data/first', 'details', 'data/chart?hours=1']) {
      expect((await t.req('GET', `/api/v2/alice/feeds/temp/${path}`)).status, path).toBe(200);
    }
  });

  it('a point stored with such a time before they were refused still reads back', async ({ t }) => {
    const made = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } });
    t.db.$client.prepare('UPDATE data SET created_at = ? WHERE id = ?').run(1e18, made.json.id);
    t.db.$client.prepare("UPDATE feeds SET last_value_at = ? WHERE key = 'temp'").run(1e18);
    for (const path of ['data', 'data/last', 'data/first', 'details', '']) {
      const res = await t.req('GET', `/api/v2/alice/feeds/temp/${path}`);
      expect(res.status, path).toBe(200);
    }
  });

  it('the edges of the range are accepted', async ({ t }) => {
    const early = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1, epoch: 0 } });
    expect(early.status).toBe(200);
    expect(early.json.created_at).toBe('1970-01-01T00:00:00Z');
    const late = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 2, created_at: '4999-12-31T23:59:59Z' } });
    expect(late.status).toBe(200);
    expect(late.json.created_at).toBe('4999-12-31T23:59:59Z');
    const last = await t.req('GET', '/api/v2/alice/feeds/temp/data/last');
    expect(last.json.value).toBe('2');
  });

  it('a token expiring past 9999 is a 422 and is not made; the token list still answers', async ({ t }) => {
    const res = await t.req('POST', '/api/v2/alice/tokens', { body: { token: { readable: true, expiration: '99999999999999' } } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/expiration must be between 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z/);
    const list = await t.req('GET', '/api/v2/alice/tokens');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([]);
  });

  it('query times out of range are a 422, not a 500', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } });
    for (const q of ['end_time=9999999999999', 'start_time=-99999999999999', 'end_time=10000-01-01T00:00:00Z']) {
      for (const path of ['feeds/temp/data', 'feeds/temp/data/chart', 'activities']) {
        const res = await t.req('GET', `/api/v2/alice/${path}?${q}`);
        expect(res.status, `${path}?${q}`).toBe(422);
        expect(typeof res.json.error).toBe('string');
      }
    }
  });
});
