// Account limits over HTTP: like the hosted free plan, the eleventh feed (sixth group, sixth dashboard)
// is a 422 and nothing of the request is kept, whichever route would have made it.
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountLimits } from '../../src/config.js';
import { makeApp, type TestApp } from '../helpers.js';

let t: TestApp;
afterEach(() => t.close());

const BASE = '/api/v2/alice';

async function setup(accountLimits: Partial<AccountLimits>) {
  t = await makeApp({ config: { accountLimits: { feeds: 0, groups: 0, dashboards: 0, ...accountLimits } } });
}

const feedKeys = async () => (await t.req('GET', `${BASE}/feeds`)).json.map((f: { key: string }) => f.key);
const groupKeys = async () => (await t.req('GET', `${BASE}/groups`)).json.map((g: { key: string }) => g.key);

async function tenFeeds() {
  for (let i = 1; i <= 10; i++) expect((await t.req('POST', `${BASE}/feeds`, { body: { feed: { name: `f${i}` } } })).status).toBe(201);
}

describe('AIO_MAX_FEEDS over HTTP', () => {
  it('the eleventh feed fails: POST /feeds answers 422 with the limit, and there are still ten', async () => {
    await setup({ feeds: 10 });
    await tenFeeds();
    const res = await t.req('POST', `${BASE}/feeds`, { body: { feed: { name: 'f11' } } });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({ error: 'Validation failed: feed limit reached, this account may have at most 10 feeds' });
    expect(await feedKeys()).toHaveLength(10);
    expect((await t.req('GET', `${BASE}/feeds/f11`)).status).toBe(404);
    // the same through a group's feed route
    expect((await t.req('POST', `${BASE}/groups/default/feeds`, { body: { name: 'f11' } })).status).toBe(422);
    expect(await feedKeys()).toHaveLength(10);
  });

  it('data posted to a missing feed is refused: no feed, no point; existing feeds still take data', async () => {
    await setup({ feeds: 10 });
    await tenFeeds();
    for (const url of [`${BASE}/feeds/eleventh/data`, `${BASE}/feeds/eleventh/data/batch`, `${BASE}/groups/default/feeds/eleventh/data`]) {
      const body = url.endsWith('batch') ? [{ value: '1' }, { value: '2' }] : { value: '1' };
      const res = await t.req('POST', url, { body });
      expect(res.status, url).toBe(422);
      expect(res.json.error, url).toMatch(/feed limit reached/);
    }
    expect(await feedKeys()).not.toContain('eleventh');
    expect(await feedKeys()).toHaveLength(10);
    expect((await t.req('POST', `${BASE}/feeds/f1/data`, { body: { value: '42' } })).status).toBe(200);
    expect((await t.req('GET', `${BASE}/feeds/f1/data`)).json.map((d: { value: string }) => d.value)).toEqual(['42']);
  });

  it('group data naming a feed the group lacks is refused whole: nothing stored, not even on existing feeds', async () => {
    await setup({ feeds: 2 });
    await t.req('POST', `${BASE}/groups`, { body: { name: 'garden' } });
    await t.req('POST', `${BASE}/groups/garden/feeds`, { body: { name: 'soil' } });
    await t.req('POST', `${BASE}/groups/garden/feeds`, { body: { name: 'rain' } });
    const res = await t.req('POST', `${BASE}/groups/garden/data`, {
      body: {
        feeds: [
          { key: 'soil', value: '1' },
          { key: 'sun', value: '2' },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(await feedKeys()).toEqual(['garden.soil', 'garden.rain']);
    expect((await t.req('GET', `${BASE}/feeds/garden.soil/data`)).json).toEqual([]);
  });

  it('0 (the default) is unlimited', async () => {
    await setup({});
    for (let i = 1; i <= 12; i++)
      expect((await t.req('POST', `${BASE}/feeds/auto-${i}/data`, { body: { value: String(i) } })).status).toBe(200);
    expect(await feedKeys()).toHaveLength(12);
  });
});

describe('AIO_MAX_GROUPS over HTTP', () => {
  it('five groups besides default; the sixth is a 422 and is not made', async () => {
    await setup({ groups: 5 });
    for (let i = 1; i <= 5; i++) expect((await t.req('POST', `${BASE}/groups`, { body: { name: `g${i}` } })).status).toBe(201);
    const res = await t.req('POST', `${BASE}/groups`, { body: { group: { name: 'g6' } } });
    expect(res.status).toBe(422);
    expect(res.json.error).toBe('Validation failed: group limit reached, this account may have at most 5 groups besides the default group');
    expect(await groupKeys()).toEqual(['default', 'g1', 'g2', 'g3', 'g4', 'g5']);
  });

  it('a `group.feed` key whose group would be the sixth makes neither group nor feed nor point', async () => {
    await setup({ groups: 5 });
    for (let i = 1; i <= 5; i++) await t.req('POST', `${BASE}/groups`, { body: { name: `g${i}` } });
    const res = await t.req('POST', `${BASE}/feeds/porch.light/data`, { body: { value: 'on' } });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/group limit reached/);
    expect(await groupKeys()).not.toContain('porch');
    expect(await feedKeys()).toEqual([]);
    // a `group.feed` key in an existing group is fine
    expect((await t.req('POST', `${BASE}/feeds/g1.light/data`, { body: { value: 'on' } })).status).toBe(200);
  });
});

describe('AIO_MAX_DASHBOARDS over HTTP', () => {
  it('the sixth dashboard is a 422 and is not made', async () => {
    await setup({ dashboards: 5 });
    for (let i = 1; i <= 5; i++) expect((await t.req('POST', `${BASE}/dashboards`, { body: { name: `d${i}` } })).status).toBe(201);
    const res = await t.req('POST', `${BASE}/dashboards`, { body: { dashboard: { name: 'd6' } } });
    expect(res.status).toBe(422);
    expect(res.json.error).toBe('Validation failed: dashboard limit reached, this account may have at most 5 dashboards');
    expect((await t.req('GET', `${BASE}/dashboards`)).json.map((d: { key: string }) => d.key)).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
    // deleting one frees its place
    expect((await t.req('DELETE', `${BASE}/dashboards/d1`)).status).toBe(200);
    expect((await t.req('POST', `${BASE}/dashboards`, { body: { name: 'd6' } })).status).toBe(201);
  });
});

describe('a refusal part-way through an auto-create keeps nothing of it', () => {
  it('`newgroup.newfeed` over the feed limit leaves no new group behind', async () => {
    await setup({ feeds: 10 });
    await tenFeeds();
    const res = await t.req('POST', `${BASE}/feeds/newgroup.newfeed/data`, { body: { value: 1 } });
    expect(res.status).toBe(422);
    expect(await groupKeys()).toEqual(['default']);
    expect(await feedKeys()).toHaveLength(10);
  });

  it('group data naming more new feeds than fit keeps none of them', async () => {
    await setup({ feeds: 10 });
    for (let i = 1; i <= 8; i++) expect((await t.req('POST', `${BASE}/feeds`, { body: { feed: { name: `f${i}` } } })).status).toBe(201);
    const res = await t.req('POST', `${BASE}/groups/default/data`, {
      body: {
        feeds: [
          { key: 'n1', value: 1 },
          { key: 'n2', value: 2 },
          { key: 'n3', value: 3 },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(await feedKeys()).toHaveLength(8);
    expect(
      (await t.req('GET', `${BASE}/activities`)).json.filter(
        (a: { model: string; action: string }) => a.model === 'Feed' && a.action === 'create',
      ),
    ).toHaveLength(8);
  });
});
