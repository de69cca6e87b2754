import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VISUAL_TYPES } from '../../src/core/blocks.js';
import { makeApp, type TestApp } from '../helpers.js';

let t: TestApp;
let feedId: number;
let groupId: number;
const BASE = '/api/v2/alice';
const BLOCKS = `${BASE}/dashboards/weather-station/blocks`;

beforeEach(async () => {
  t = await makeApp();
  const feed = await t.req('POST', `${BASE}/feeds`, { body: { feed: { name: 'Temperature' } } });
  feedId = feed.json.id;
  groupId = feed.json.group.id;
  await t.req('POST', `${BASE}/groups`, { body: { name: 'Garden' } });
  await t.req('POST', `${BASE}/groups/garden/feeds`, { body: { feed: { name: 'soil' } } });
  await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Weather Station' } });
});
afterEach(() => t.close());

describe('blocks: create', () => {
  it('creates from the docs’ wrapped curl body: 200, string ids, block_feeds with feed and group', async () => {
    const res = await t.req('POST', BLOCKS, {
      body: {
        block: {
          visual_type: 'gauge',
          block_feeds: [{ feed_id: String(feedId), group_id: String(groupId) }],
          properties: { minValue: '0', maxValue: '100', ringWidth: '25', label: 'Value', decimalPlaces: '2', showIcon: false },
          size_x: 4,
          size_y: 4,
        },
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: null,
      description: null,
      key: res.json.id,
      visual_type: 'gauge',
      column: null,
      row: null,
      size_x: 4,
      size_y: 4,
      source_key: null,
      source: null,
      properties: { minValue: '0', maxValue: '100', ringWidth: '25', label: 'Value', decimalPlaces: '2', showIcon: false },
      block_feeds: [
        {
          id: expect.stringMatching(/^\d+$/),
          feed: { id: feedId, name: 'Temperature', key: 'temperature' },
          group: { id: groupId, name: 'Default', key: 'default' },
        },
      ],
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
  });

  it('accepts every documented visual type', async () => {
    for (const visual_type of VISUAL_TYPES) {
      const res = await t.req('POST', BLOCKS, { body: { visual_type } });
      expect(res.status, visual_type).toBe(200);
      expect(res.json.visual_type).toBe(visual_type);
    }
    expect((await t.req('GET', BLOCKS)).json.map((b: { visual_type: string }) => b.visual_type)).toEqual([...VISUAL_TYPES]);
  });

  it('refuses an unknown or missing visual type with a JSON 422', async () => {
    for (const body of [{ visual_type: 'pie' }, { name: 'no type' }, { block: { visual_type: '' } }]) {
      const res = await t.req('POST', BLOCKS, { body });
      expect(res.status).toBe(422);
      expect(res.json.error).toMatch(/Visual type/);
    }
  });

  it('block_feeds: feed_id as numeric id, key, or group.key; group_id numeric or key', async () => {
    const res = await t.req('POST', BLOCKS, {
      body: {
        visual_type: 'line_chart',
        block_feeds: [
          { feed_id: feedId },
          { feed_id: 'temperature', group_id: 'default' },
          { feed_id: 'garden.soil' },
          { feed_id: 'soil', group_id: 'garden' },
          { feed_id: 'temperature', group_id: groupId },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.block_feeds.map((f: { feed: { key: string }; group: { key: string } }) => `${f.group.key}/${f.feed.key}`)).toEqual([
      'default/temperature',
      'default/temperature',
      'garden/garden.soil',
      'garden/garden.soil',
      'default/temperature',
    ]);
    expect(new Set(res.json.block_feeds.map((f: { id: string }) => f.id)).size).toBe(5);
  });

  it('an unknown feed or group is a 422 and creates no block', async () => {
    await t.req('POST', '/api/v2/bob/feeds', { as: t.bob, body: { name: 'bobfeed' } });
    for (const block_feeds of [
      [{ feed_id: 'nope' }],
      [{ feed_id: 'bobfeed' }],
      [{ feed_id: 'temperature', group_id: 'nogroup' }],
      [{ feed_id: 'temperature', group_id: 'garden' }],
    ]) {
      const res = await t.req('POST', BLOCKS, { body: { visual_type: 'gauge', block_feeds } });
      expect(res.status, JSON.stringify(block_feeds)).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', BLOCKS)).json).toEqual([]);
    expect((await t.req('GET', `${BASE}/dashboards/weather-station`)).json.layouts.lg).toEqual([]);
  });

  it('takes the Arduino body: unwrapped, numbers as strings, feed by name', async () => {
    const res = await t.req('POST', BLOCKS, {
      body: {
        visual_type: 'gauge',
        size_x: '4',
        size_y: '4',
        row: '1',
        column: '2',
        properties: { minValue: '0', maxValue: '100', label: 'Value' },
        block_feeds: [{ feed_id: 'Temperature' }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ size_x: 4, size_y: 4, row: 1, column: 2, block_feeds: [{ feed: { key: 'temperature' } }] });
    const lg = (await t.req('GET', `${BASE}/dashboards/weather-station`)).json.layouts.lg;
    expect(lg).toEqual([{ x: 2, y: 1, w: 4, h: 4, i: res.json.id }]);
  });

  it('takes the Ruby body: top-level whitelisted attributes', async () => {
    const res = await t.req('POST', BLOCKS, {
      body: {
        name: 'Chart',
        visual_type: 'line_chart',
        properties: { historyHours: '24' },
        column: 0,
        row: 0,
        size_x: 12,
        size_y: 5,
        block_feeds: [{ feed_id: 'temperature', group_id: 'default' }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'Chart', size_x: 12, size_y: 5, column: 0, row: 0 });
  });

  it('refuses bad sizes with 422', async () => {
    for (const bad of [{ size_x: 'big' }, { size_y: 0 }, { row: -3 }, { properties: [1, 2] }]) {
      expect((await t.req('POST', BLOCKS, { body: { visual_type: 'gauge', ...bad } })).status).toBe(422);
    }
  });

  it('on a dashboard that does not exist is a JSON 404', async () => {
    const res = await t.req('POST', `${BASE}/dashboards/nope/blocks`, { body: { visual_type: 'gauge' } });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(/dashboard/);
  });
});

describe('blocks: read, update, delete', () => {
  async function gauge() {
    return (
      await t.req('POST', BLOCKS, {
        body: {
          name: 'Temperature',
          visual_type: 'gauge',
          properties: { minValue: '0', maxValue: '100', label: 'Temp' },
          block_feeds: [{ feed_id: 'temperature' }],
        },
      })
    ).json;
  }

  it('lists and gets blocks', async () => {
    const a = await gauge();
    const b = (await t.req('POST', BLOCKS, { body: { visual_type: 'divider' } })).json;
    const list = await t.req('GET', BLOCKS);
    expect(list.status).toBe(200);
    expect(list.json.map((x: { id: string }) => x.id)).toEqual([a.id, b.id]);
    const one = await t.req('GET', `${BLOCKS}/${a.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual(a);
    // Every block record names its key (the id as a string): Ruby's `block(record)` reads `record['key']`.
    for (const x of list.json) expect(x.key).toBe(x.id);
    // The dashboard carries the same block records.
    expect((await t.req('GET', `${BASE}/dashboards/weather-station`)).json.blocks).toEqual(list.json);
  });

  it('PUT changes only the fields sent (the docs’ example), PATCH too', async () => {
    const a = await gauge();
    const put = await t.req('PUT', `${BLOCKS}/${a.id}`, {
      body: { block: { properties: { minValue: '0', maxValue: '200', label: 'Updated Label' } } },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      id: a.id,
      name: 'Temperature',
      visual_type: 'gauge',
      size_x: 4,
      size_y: 4,
      properties: { minValue: '0', maxValue: '200', label: 'Updated Label' },
      block_feeds: [{ feed: { key: 'temperature' } }],
    });
    const patch = await t.req('PATCH', `${BLOCKS}/${a.id}`, { body: { name: 'Renamed', size_x: '6' } });
    expect(patch.json).toMatchObject({
      name: 'Renamed',
      size_x: 6,
      properties: { maxValue: '200' },
      block_feeds: [{ feed: { key: 'temperature' } }],
    });
  });

  it('block_feeds sent replaces every connection; an unknown feed changes nothing', async () => {
    const a = await gauge();
    const res = await t.req('PUT', `${BLOCKS}/${a.id}`, { body: { block_feeds: [{ feed_id: 'garden.soil' }] } });
    expect(res.json.block_feeds.map((f: { feed: { key: string } }) => f.feed.key)).toEqual(['garden.soil']);
    const bad = await t.req('PUT', `${BLOCKS}/${a.id}`, { body: { name: 'x', block_feeds: [{ feed_id: 'nope' }] } });
    expect(bad.status).toBe(422);
    const now = (await t.req('GET', `${BLOCKS}/${a.id}`)).json;
    expect(now.name).toBe('Temperature');
    expect(now.block_feeds.map((f: { feed: { key: string } }) => f.feed.key)).toEqual(['garden.soil']);
    const cleared = await t.req('PATCH', `${BLOCKS}/${a.id}`, { body: { block_feeds: [] } });
    expect(cleared.json.block_feeds).toEqual([]);
    expect((await t.req('PATCH', `${BLOCKS}/${a.id}`, { body: { visual_type: 'pie' } })).status).toBe(422);
  });

  it('DELETE answers "OK"; the block leaves the list and every layout', async () => {
    const a = await gauge();
    const b = await gauge();
    const res = await t.req('DELETE', `${BLOCKS}/${a.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toBe('OK');
    expect((await t.req('GET', `${BLOCKS}/${a.id}`)).status).toBe(404);
    expect((await t.req('GET', BLOCKS)).json.map((x: { id: string }) => x.id)).toEqual([b.id]);
    const layouts = (await t.req('GET', `${BASE}/dashboards/weather-station`)).json.layouts;
    for (const bp of ['xl', 'lg', 'md', 'sm', 'xs']) expect(layouts[bp].map((e: { i: string }) => e.i)).toEqual([b.id]);
  });

  it('an id that is not a block of this dashboard is a JSON 404', async () => {
    const a = await gauge();
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Other' } });
    for (const [method, url] of [
      ['DELETE', `${BLOCKS}/blocktest`],
      ['GET', `${BLOCKS}/999999`],
      ['GET', `${BASE}/dashboards/other/blocks/${a.id}`],
      ['PUT', `${BASE}/dashboards/other/blocks/${a.id}`],
      ['DELETE', `${BASE}/dashboards/nope/blocks/${a.id}`],
    ] as const) {
      const res = await t.req(method, url, { body: method === 'PUT' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(typeof res.json.error).toBe('string');
    }
  });

  it('deleting a feed removes it from every block that used it', async () => {
    const a = await gauge();
    const both = (
      await t.req('POST', BLOCKS, {
        body: { visual_type: 'line_chart', block_feeds: [{ feed_id: 'temperature' }, { feed_id: 'garden.soil' }] },
      })
    ).json;
    expect((await t.req('DELETE', `${BASE}/feeds/temperature`)).status).toBe(200);
    expect((await t.req('GET', `${BLOCKS}/${a.id}`)).json.block_feeds).toEqual([]);
    expect((await t.req('GET', `${BLOCKS}/${both.id}`)).json.block_feeds.map((f: { feed: { key: string } }) => f.feed.key)).toEqual([
      'garden.soil',
    ]);
    // Deleting the group deletes its feeds, and so their connections.
    await t.req('DELETE', `${BASE}/groups/garden`);
    expect((await t.req('GET', `${BLOCKS}/${both.id}`)).json.block_feeds).toEqual([]);
  });
});

describe('blocks: other users', () => {
  it('another user’s path is 403; their block ids are not found from one’s own dashboard', async () => {
    const a = (await t.req('POST', BLOCKS, { body: { visual_type: 'gauge' } })).json;
    for (const [method, url] of [
      ['GET', `${BLOCKS}/${a.id}`],
      ['PUT', `${BLOCKS}/${a.id}`],
      ['DELETE', `${BLOCKS}/${a.id}`],
    ] as const) {
      expect((await t.req(method, url, { as: t.bob, body: method === 'PUT' ? { name: 'x' } : undefined })).status).toBe(403);
    }
    await t.req('POST', '/api/v2/bob/dashboards', { as: t.bob, body: { name: 'Weather Station' } });
    const res = await t.req('GET', `/api/v2/bob/dashboards/weather-station/blocks/${a.id}`, { as: t.bob });
    expect(res.status).toBe(404);
    expect((await t.req('GET', '/api/v2/bob/dashboards/weather-station/blocks', { as: t.bob })).json).toEqual([]);
    // Nor can bob connect alice's feed by its id.
    const steal = await t.req('POST', '/api/v2/bob/dashboards/weather-station/blocks', {
      as: t.bob,
      body: { visual_type: 'gauge', block_feeds: [{ feed_id: feedId }] },
    });
    expect(steal.status).toBe(422);
    expect((await t.req('GET', `${BLOCKS}/${a.id}`)).status).toBe(200);
  });
});
