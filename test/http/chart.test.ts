import { describe, expect } from 'vitest';
import { appTestWith, type TestApp } from '../helpers.js';

const it = appTestWith({ fakeClock: true }); // the clock starts at 2026-01-15T12:00:00Z

const MIN = 60_000;

/** Posts points as clients do, with created_at in the past. */
async function post(t: TestApp, feed: string, points: Array<[string, unknown]>) {
  for (const [createdAt, value] of points) {
    const res = await t.req('POST', `/api/v2/alice/feeds/${feed}/data`, { body: { value, created_at: createdAt } });
    expect(res.status).toBe(200);
  }
}

describe('GET data/chart', () => {
  it('charts the last hour for ?hours=1, as dashboards ask', async ({ t }) => {
    await post(t, 'temp', [
      ['2026-01-15T10:59:00Z', 99], // outside the hour
      ['2026-01-15T11:15:10Z', 20],
      ['2026-01-15T11:15:40Z', 21],
      ['2026-01-15T11:58:00Z', '22.5'],
    ]);
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data/chart?hours=1');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json).toEqual({
      feed: { id: res.json.feed.id, key: 'temp', name: 'temp' },
      parameters: { start_time: '2026-01-15T11:00:00Z', end_time: '2026-01-15T12:00:00Z', resolution: 1, hours: 1, field: 'avg' },
      columns: ['date', 'avg'],
      data: [
        ['2026-01-15T11:15:00Z', '20.5'],
        ['2026-01-15T11:58:00Z', '22.5'],
      ],
    });
    expect(typeof res.json.feed.id).toBe('number');
  });

  it('takes start_time, end_time and resolution as the Ruby and Python clients send them', async ({ t }) => {
    await post(t, 'temp', [
      ['2026-01-14T00:10:00Z', 1],
      ['2026-01-14T00:50:00Z', 3],
      ['2026-01-14T02:30:00Z', 10],
      ['2026-01-14T23:59:59Z', 7],
    ]);
    const url = '/api/v2/alice/feeds/temp/data/chart?start_time=2026-01-14T00:00:00Z&end_time=2026-01-15T00:00:00Z&resolution=60';
    const res = await t.req('GET', url);
    expect(res.status).toBe(200);
    expect(res.json.parameters).toEqual({
      start_time: '2026-01-14T00:00:00Z',
      end_time: '2026-01-15T00:00:00Z',
      resolution: 60,
      hours: 24,
      field: 'avg',
    });
    expect(res.json.data).toEqual([
      ['2026-01-14T00:00:00Z', '2'],
      ['2026-01-14T02:00:00Z', '10'],
      ['2026-01-14T23:00:00Z', '7'],
    ]);
    const max = await t.req('GET', `${url}&field=max`);
    expect(max.json.columns).toEqual(['date', 'max']);
    expect(max.json.data[0]).toEqual(['2026-01-14T00:00:00Z', '3']);
    // `hours` is ignored when both times are given; a Rails-style `.json` suffix is fine.
    const withHours = await t.req('GET', `${url.replace('chart?', 'chart.json?')}&hours=1`);
    expect(withHours.json.data).toEqual(res.json.data);
  });

  it('picks the resolution itself when none is given', async ({ t }) => {
    await post(t, 'temp', [['2026-01-15T11:00:00Z', 1]]);
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data/chart?hours=24&field=val_count');
    expect(res.json.parameters.resolution).toBe(5);
    expect(res.json.data).toEqual([['2026-01-15T11:00:00Z', '1']]);
  });

  it('returns raw points with raw=1', async ({ t }) => {
    await post(t, 'temp', [
      ['2026-01-15T11:30:00Z', 'open'],
      ['2026-01-15T11:40:00Z', 'closed'],
    ]);
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data/chart?raw=1');
    expect(res.status).toBe(200);
    expect(res.json.columns).toEqual(['date', 'value']);
    expect(res.json.data).toEqual([
      ['2026-01-15T11:30:00Z', 'open'],
      ['2026-01-15T11:40:00Z', 'closed'],
    ]);
  });

  it('reflects updates and deletes made over HTTP', async ({ t }) => {
    await post(t, 'temp', [['2026-01-15T11:30:00Z', 5]]);
    const second = await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 7, created_at: '2026-01-15T11:30:30Z' } });
    const sum = async () => (await t.req('GET', '/api/v2/alice/feeds/temp/data/chart?field=sum')).json.data;
    expect(await sum()).toEqual([['2026-01-15T11:30:00Z', '12']]);
    await t.req('PUT', `/api/v2/alice/feeds/temp/data/${second.json.id}`, { body: { value: 100 } });
    expect(await sum()).toEqual([['2026-01-15T11:30:00Z', '105']]);
    await t.req('DELETE', `/api/v2/alice/feeds/temp/data/${second.json.id}`);
    expect(await sum()).toEqual([['2026-01-15T11:30:00Z', '5']]);
  });

  it('works on a feed inside a group, under both paths', async ({ t }) => {
    await post(t, 'weather.temp', [['2026-01-15T11:20:00Z', 3]]);
    const group = await t.req('GET', '/api/v2/alice/groups/weather/feeds/temp/data/chart?field=val');
    expect(group.status).toBe(200);
    expect(group.json.feed.key).toBe('weather.temp');
    expect(group.json.data).toEqual([['2026-01-15T11:20:00Z', '3']]);
    const direct = await t.req('GET', '/api/v2/alice/feeds/weather.temp/data/chart?field=val');
    expect(direct.json.data).toEqual(group.json.data);
  });

  it('charts an empty feed as no rows', async ({ t }) => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { feed: { name: 'empty' } } });
    const res = await t.req('GET', '/api/v2/alice/feeds/empty/data/chart');
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual([]);
  });

  it('follows the clock', async ({ t, clock }) => {
    await post(t, 'temp', [['2026-01-15T11:59:00Z', 1]]);
    clock.advance(90 * MIN);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/chart')).json.data).toEqual([]);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/chart?hours=2')).json.data).toHaveLength(1);
  });
});

describe('GET data/chart refuses', () => {
  it.beforeEach(async ({ t }) => {
    await post(t, 'temp', [['2026-01-15T11:00:00Z', 1]]);
  });

  it('bad parameters with a JSON error', async ({ t }) => {
    for (const q of [
      'field=median',
      'resolution=7',
      'resolution=abc',
      'start_time=not-a-date',
      'end_time=2026-02-30T99:00:00Z',
      'start_time=2026-01-15T12:00:00Z&end_time=2026-01-15T11:00:00Z',
      'hours=0',
      'hours=soon',
      'raw=1&field=avg',
      'raw=true&resolution=5',
      'raw=perhaps',
    ]) {
      const res = await t.req('GET', `/api/v2/alice/feeds/temp/data/chart?${q}`);
      expect(res.status, q).toBe(422);
      expect(typeof res.json.error, q).toBe('string');
    }
  });

  it("another user's feed: 403 on their path, 404 on one's own", async ({ t }) => {
    const theirs = await t.req('GET', '/api/v2/alice/feeds/temp/data/chart', { as: t.bob });
    expect(theirs.status).toBe(403);
    expect(theirs.json.error).toMatch(/forbidden/);
    const own = await t.req('GET', '/api/v2/bob/feeds/temp/data/chart', { as: t.bob });
    expect(own.status).toBe(404);
    expect(own.json.error).toMatch(/not found/);
    const ownGroup = await t.req('GET', '/api/v2/bob/groups/default/feeds/temp/data/chart', { as: t.bob });
    expect(ownGroup.status).toBe(404);
  });

  it('a missing feed or group with 404, no key with 401', async ({ t }) => {
    const res = await t.req('GET', '/api/v2/alice/feeds/nope/data/chart');
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(/nope/);
    expect((await t.req('GET', '/api/v2/alice/groups/nope/feeds/temp/data/chart')).status).toBe(404);
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data/chart', { key: null })).status).toBe(401);
  });
});
