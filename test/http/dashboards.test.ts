import { describe, expect } from 'vitest';
import { appTest as it, type TestApp } from '../helpers.js';

const BASE = '/api/v2/alice';

describe('dashboards: CRUD', () => {
  it('creates from the docs’ wrapped body: 201, key from name, documented defaults, blocks []', async ({ t }) => {
    const res = await t.req('POST', `${BASE}/dashboards`, {
      body: { dashboard: { name: 'Weather Station', description: 'Outdoor sensor data' } },
    });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      id: expect.any(Number),
      name: 'Weather Station',
      key: 'weather-station',
      description: 'Outdoor sensor data',
      visibility: 'private',
      show_header: false,
      header_image_url: null,
      color_mode: 'dark',
      block_borders: true,
      allow_overlap: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      blocks: [],
    });
  });

  it('creates from an unwrapped body (Python, Ruby) and a form body (Arduino, which wants 201)', async ({ t }) => {
    const py = await t.req('POST', `${BASE}/dashboards/`, {
      body: {
        name: 'dashtest',
        key: null,
        description: null,
        show_header: false,
        color_mode: 'dark',
        block_borders: true,
        header_image_url: null,
        blocks: null,
      },
    });
    expect(py.status).toBe(201);
    expect(py.json).toMatchObject({ name: 'dashtest', key: 'dashtest', blocks: [] });
    const ard = await t.req('POST', `${BASE}/dashboards`, { form: { name: 'weather-station' } });
    expect(ard.status).toBe(201);
    expect(ard.json.key).toBe('weather-station');
    // Arduino's exists(): GET answers 200.
    expect((await t.req('GET', `${BASE}/dashboards/weather-station`)).status).toBe(200);
  });

  it('refuses a missing or over-long name with a JSON 422', async ({ t }) => {
    for (const body of [{}, { dashboard: { description: 'no name' } }, { name: 'x'.repeat(129) }, { name: 'ok', color_mode: 'purple' }]) {
      const res = await t.req('POST', `${BASE}/dashboards`, { body });
      expect(res.status).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', `${BASE}/dashboards`)).json).toEqual([]);
  });

  it('lists dashboards with their blocks and without layouts', async ({ t }) => {
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'One' } });
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Two' } });
    await t.req('POST', `${BASE}/dashboards/two/blocks`, { body: { visual_type: 'gauge', name: 'g' } });
    const res = await t.req('GET', `${BASE}/dashboards`);
    expect(res.status).toBe(200);
    expect(res.json.map((d: { key: string }) => d.key)).toEqual(['one', 'two']);
    expect(res.json[0].blocks).toEqual([]);
    expect(res.json[1].blocks.map((b: { name: string }) => b.name)).toEqual(['g']);
    // Embedded blocks carry `key` like every block record.
    expect(res.json[1].blocks[0].key).toBe(res.json[1].blocks[0].id);
    for (const d of res.json) expect(d).not.toHaveProperty('layouts');
  });

  it('gets one dashboard with layouts for all five breakpoints and its blocks', async ({ t }) => {
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Weather Station' } });
    const res = await t.req('GET', `${BASE}/dashboards/weather-station`);
    expect(res.status).toBe(200);
    expect(res.json.layouts).toEqual({ xl: [], lg: [], md: [], sm: [], xs: [] });
    expect(res.json.blocks).toEqual([]);
    // By id and with the Rails .json suffix too.
    expect((await t.req('GET', `${BASE}/dashboards/${res.json.id}`)).json.key).toBe('weather-station');
    expect((await t.req('GET', `${BASE}/dashboards/weather-station.json`)).json.key).toBe('weather-station');
  });

  it('PUT and PATCH change only the fields sent, and answer without layouts', async ({ t }) => {
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Weather Station', description: 'Outdoor sensor data' } });
    const put = await t.req('PUT', `${BASE}/dashboards/weather-station`, {
      body: { dashboard: { name: 'Updated Name', color_mode: 'light' } },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      name: 'Updated Name',
      key: 'weather-station',
      description: 'Outdoor sensor data',
      color_mode: 'light',
      blocks: [],
    });
    expect(put.json).not.toHaveProperty('layouts');
    const patch = await t.req('PATCH', `${BASE}/dashboards/weather-station`, {
      body: { show_header: true, header_image_url: 'https://example.com/h.png' },
    });
    expect(patch.json).toMatchObject({
      name: 'Updated Name',
      color_mode: 'light',
      show_header: true,
      header_image_url: 'https://example.com/h.png',
    });
    // Ruby's update_dashboard sends {name, key}.
    const ruby = await t.req('PUT', `${BASE}/dashboards/weather-station`, { body: { name: 'Renamed', key: 'renamed' } });
    expect(ruby.json).toMatchObject({ name: 'Renamed', key: 'renamed' });
    expect((await t.req('GET', `${BASE}/dashboards/weather-station`)).status).toBe(404);
    expect((await t.req('GET', `${BASE}/dashboards/renamed`)).json.name).toBe('Renamed');
    expect((await t.req('PATCH', `${BASE}/dashboards/renamed`, { body: { color_mode: 'sepia' } })).status).toBe(422);
  });

  it('DELETE answers JSON "OK" and takes the blocks and layouts with it', async ({ t }) => {
    await t.req('POST', `${BASE}/feeds`, { body: { feed: { name: 'temperature' } } });
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Weather Station' } });
    const block = await t.req('POST', `${BASE}/dashboards/weather-station/blocks`, {
      body: { visual_type: 'gauge', block_feeds: [{ feed_id: 'temperature' }] },
    });
    const res = await t.req('DELETE', `${BASE}/dashboards/weather-station`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toBe('OK');
    expect((await t.req('GET', `${BASE}/dashboards/weather-station`)).status).toBe(404);
    expect((await t.req('GET', `${BASE}/dashboards/weather-station/blocks/${block.json.id}`)).status).toBe(404);
    // A new dashboard of the same name starts empty; the feed is untouched.
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Weather Station' } });
    const again = await t.req('GET', `${BASE}/dashboards/weather-station`);
    expect(again.json.blocks).toEqual([]);
    expect(again.json.layouts).toEqual({ xl: [], lg: [], md: [], sm: [], xs: [] });
    expect((await t.req('GET', `${BASE}/feeds/temperature`)).status).toBe(200);
    // Deleting again is a JSON 404.
    await t.req('DELETE', `${BASE}/dashboards/weather-station`);
    const gone = await t.req('DELETE', `${BASE}/dashboards/weather-station`);
    expect(gone.status).toBe(404);
    expect(typeof gone.json.error).toBe('string');
  });
});

describe('dashboards: other users', () => {
  it('another user’s path is refused with 403; their dashboards are not found from one’s own path', async ({ t }) => {
    const created = await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Private' } });
    const bob = t.bob;
    for (const [method, url, body] of [
      ['GET', `${BASE}/dashboards`, undefined],
      ['POST', `${BASE}/dashboards`, { name: 'Mine now' }],
      ['GET', `${BASE}/dashboards/private`, undefined],
      ['PUT', `${BASE}/dashboards/private`, { name: 'Taken' }],
      ['DELETE', `${BASE}/dashboards/private`, undefined],
      ['POST', `${BASE}/dashboards/private/update_layouts`, { layouts: { lg: [] } }],
      ['GET', `${BASE}/dashboards/private/blocks`, undefined],
      ['POST', `${BASE}/dashboards/private/blocks`, { visual_type: 'gauge' }],
    ] as const) {
      const res = await t.req(method, url, { as: bob, body });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(typeof res.json.error).toBe('string');
    }
    for (const ident of ['private', String(created.json.id)]) {
      const res = await t.req('GET', `/api/v2/bob/dashboards/${ident}`, { as: bob });
      expect(res.status).toBe(404);
      expect(res.json.error).toMatch(/^not found/);
      expect((await t.req('DELETE', `/api/v2/bob/dashboards/${ident}`, { as: bob })).status).toBe(404);
    }
    expect((await t.req('GET', '/api/v2/bob/dashboards', { as: bob })).json).toEqual([]);
    expect((await t.req('GET', `${BASE}/dashboards/private`)).json.name).toBe('Private');
  });
});

describe('update_layouts', () => {
  async function dashboardWithBlocks(t: TestApp, n: number) {
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Grid' } });
    const ids: string[] = [];
    for (let i = 0; i < n; i++)
      ids.push((await t.req('POST', `${BASE}/dashboards/grid/blocks`, { body: { visual_type: 'gauge' } })).json.id);
    return ids;
  }

  it('a new block shows in every breakpoint of GET dashboards/{key} at once', async ({ t }) => {
    const [a, b] = await dashboardWithBlocks(t, 2);
    const res = await t.req('GET', `${BASE}/dashboards/grid`);
    for (const bp of ['xl', 'lg', 'md', 'sm', 'xs']) expect(res.json.layouts[bp].map((e: { i: string }) => e.i)).toEqual([a, b]);
    expect(res.json.layouts.lg).toEqual([
      { x: 0, y: 0, w: 4, h: 4, i: a },
      { x: 4, y: 0, w: 4, h: 4, i: b },
    ]);
  });

  it('replaces the breakpoints given, leaves null ones, and answers the full dashboard object', async ({ t }) => {
    const [a, b] = await dashboardWithBlocks(t, 2);
    const before = (await t.req('GET', `${BASE}/dashboards/grid`)).json.layouts;
    const res = await t.req('POST', `${BASE}/dashboards/grid/update_layouts`, {
      body: {
        layouts: {
          xl: null,
          lg: [
            { x: 0, y: 0, w: 16, h: 4, i: a },
            { x: 0, y: 4, w: 8, h: 2, i: b, z: 1 },
          ],
          md: null,
          sm: null,
          xs: null,
        },
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ key: 'grid', name: 'Grid' });
    expect(res.json.blocks.map((x: { id: string }) => x.id)).toEqual([a, b]);
    expect(res.json.layouts.lg).toEqual([
      { x: 0, y: 0, w: 16, h: 4, i: a },
      { x: 0, y: 4, w: 8, h: 2, i: b, z: 1 },
    ]);
    for (const bp of ['xl', 'md', 'sm', 'xs']) expect(res.json.layouts[bp]).toEqual(before[bp]);
    expect((await t.req('GET', `${BASE}/dashboards/grid`)).json.layouts).toEqual(res.json.layouts);
  });

  it('refuses bad entries with 422 and changes nothing', async ({ t }) => {
    const [a, b] = await dashboardWithBlocks(t, 2);
    const before = (await t.req('GET', `${BASE}/dashboards/grid`)).json.layouts;
    for (const body of [
      {},
      { layouts: null },
      { layouts: 'lg' },
      { layouts: { lg: [{ x: 0, y: 0, w: 4, h: 4 }] } },
      { layouts: { lg: [{ x: 0, y: 0, w: 4, h: 4, i: 'blocktest' }] } },
      { layouts: { lg: [{ x: -1, y: 0, w: 4, h: 4, i: a }] } },
      { layouts: { lg: [{ x: 0, y: -1, w: 4, h: 4, i: a }] } },
      { layouts: { lg: [{ x: 0, y: 0, w: 1, h: 4, i: a }] } },
      { layouts: { lg: [{ x: 0, y: 0, w: 4, h: 1, i: a }] } },
      { layouts: { xl: [{ x: 4, y: 4, w: 4, h: 4, i: b }], lg: [{ x: 0, y: 0, w: 4, i: a }] } },
      { layouts: { huge: [] } },
    ]) {
      const res = await t.req('POST', `${BASE}/dashboards/grid/update_layouts`, { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(typeof res.json.error).toBe('string');
    }
    expect((await t.req('GET', `${BASE}/dashboards/grid`)).json.layouts).toEqual(before);
  });

  it('refuses the id of a block on another dashboard, or of another user', async ({ t }) => {
    await dashboardWithBlocks(t, 1);
    await t.req('POST', `${BASE}/dashboards`, { body: { name: 'Other' } });
    const other = (await t.req('POST', `${BASE}/dashboards/other/blocks`, { body: { visual_type: 'gauge' } })).json.id;
    await t.req('POST', '/api/v2/bob/dashboards', { as: t.bob, body: { name: 'Grid' } });
    const bobs = (await t.req('POST', '/api/v2/bob/dashboards/grid/blocks', { as: t.bob, body: { visual_type: 'gauge' } })).json.id;
    for (const i of [other, bobs]) {
      expect(
        (await t.req('POST', `${BASE}/dashboards/grid/update_layouts`, { body: { layouts: { lg: [{ x: 0, y: 0, w: 4, h: 4, i }] } } }))
          .status,
      ).toBe(422);
    }
  });

  it('on a dashboard that does not exist is a JSON 404', async ({ t }) => {
    const res = await t.req('POST', `${BASE}/dashboards/nope/update_layouts`, { body: { layouts: { lg: [] } } });
    expect(res.status).toBe(404);
    expect(typeof res.json.error).toBe('string');
  });
});

/**
 * Adafruit_IO_Python tests/test_client.py, dashboard, block and layout tests, in the order unittest
 * runs them (alphabetical), with the exact requests the client makes. `RequestError` is any status
 * ≥ 400 whose body is JSON with an `error` key.
 */
describe('Python client test flow (compat notes 4.2)', () => {
  class RequestError extends Error {}
  function ok(res: { status: number; json: any }) {
    if (res.status >= 400) {
      expect(typeof res.json.error).toBe('string');
      throw new RequestError(res.json.error);
    }
    expect(res.status).toBeLessThan(300);
    return res.json;
  }
  const swallow = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (!(e instanceof RequestError)) throw e;
    }
  };
  const Dashboard = (name: string) => ({
    name,
    key: null,
    description: null,
    show_header: false,
    color_mode: 'dark',
    block_borders: true,
    header_image_url: null,
    blocks: null,
  });
  const Block = (name: string, visual_type: string) => ({ name, id: null, visual_type, properties: {}, block_feeds: null });
  /** The client's calls, made over `t`. */
  function python(t: TestApp) {
    const py = {
      get: async (path: string) => ok(await t.req('GET', `${BASE}/${path}`)),
      post: async (path: string, body: unknown) => ok(await t.req('POST', `${BASE}/${path}`, { body })),
      delete: async (path: string) => ok(await t.req('DELETE', `${BASE}/${path}`)),
    };
    const io = {
      dashboards: (key?: string) => py.get(key === undefined ? 'dashboards/' : `dashboards/${key}`),
      create_dashboard: (d: unknown) => py.post('dashboards/', d),
      delete_dashboard: (key: string) => py.delete(`dashboards/${key}`),
      blocks: (dash: string, id?: string) => py.get(id === undefined ? `dashboards/${dash}/blocks` : `dashboards/${dash}/blocks/${id}`),
      create_block: (dash: string, b: unknown) => py.post(`dashboards/${dash}/blocks`, b),
      delete_block: (dash: string, id: string) => py.delete(`dashboards/${dash}/blocks/${id}`),
      layouts: async (dash: string) => (await py.get(`dashboards/${dash}`)).layouts,
      update_layout: (dash: string, layout: Record<string, unknown>) =>
        py.post(`dashboards/${dash}/update_layouts`, { layouts: { xl: null, lg: null, md: null, sm: null, xs: null, ...layout } }),
    };
    const ensureBlockDeleted = () => swallow(io.delete_block('dashtest', 'blocktest'));
    const ensureDashboardDeleted = () => swallow(io.delete_dashboard('dashtest'));
    return { io, ensureBlockDeleted, ensureDashboardDeleted };
  }

  it('runs every dashboard, block and layout test unchanged', async ({ t }) => {
    const { io, ensureBlockDeleted, ensureDashboardDeleted } = python(t);
    // test_block_create_block
    await ensureBlockDeleted();
    await ensureDashboardDeleted();
    let dash = await io.create_dashboard(Dashboard('dashtest'));
    let block = await io.create_block(dash.key, Block('blocktest', 'line_chart'));
    expect(block.name).toBe('blocktest');
    expect(typeof block.id).toBe('string');
    await io.delete_block(dash.key, block.id);
    await io.delete_dashboard(dash.key);

    // test_dashboard_create_dashboard
    await ensureDashboardDeleted();
    expect((await io.create_dashboard(Dashboard('dashtest'))).name).toBe('dashtest');

    // test_dashboard_returns_all_blocks (the dashboard left by the previous test exists now)
    await ensureBlockDeleted();
    await ensureDashboardDeleted();
    dash = await io.create_dashboard(Dashboard('dashtest'));
    expect(dash.key).toBe('dashtest');
    block = await io.create_block(dash.key, Block('blocktest', 'line_chart'));
    expect(await io.blocks(dash.key)).toHaveLength(1);
    await io.delete_block(dash.key, block.id);
    await io.delete_dashboard(dash.key);

    // test_dashboard_returns_all_dashboards
    await ensureDashboardDeleted();
    await io.create_dashboard(Dashboard('dashtest'));
    expect((await io.dashboards()).length).toBeGreaterThanOrEqual(1);

    // test_dashboard_returns_requested_block
    await ensureBlockDeleted();
    await ensureDashboardDeleted();
    dash = await io.create_dashboard(Dashboard('dashtest'));
    block = await io.create_block(dash.key, Block('blocktest', 'line_chart'));
    expect((await io.blocks(dash.key, block.id)).name).toBe('blocktest');
    await io.delete_block(dash.key, block.id);
    await io.delete_dashboard(dash.key);

    // test_dashboard_returns_requested_feed
    await ensureDashboardDeleted();
    await io.create_dashboard(Dashboard('dashtest'));
    expect((await io.dashboards('dashtest')).name).toBe('dashtest');

    // test_layout_returns_all_layouts
    await ensureBlockDeleted();
    await ensureDashboardDeleted();
    dash = await io.create_dashboard(Dashboard('dashtest'));
    block = await io.create_block(dash.key, Block('blocktest', 'line_chart'));
    let layouts = await io.layouts(dash.key);
    expect(Object.keys(layouts).sort()).toEqual(['lg', 'md', 'sm', 'xl', 'xs']);
    expect(layouts.lg).toHaveLength(1);
    await io.delete_block(dash.key, block.id);
    await io.delete_dashboard(dash.key);

    // test_layout_update_layout
    await ensureBlockDeleted();
    await ensureDashboardDeleted();
    dash = await io.create_dashboard(Dashboard('dashtest'));
    block = await io.create_block(dash.key, Block('blocktest', 'line_chart'));
    const answer = await io.update_layout(dash.key, { lg: [{ x: 0, y: 0, w: 16, h: 4, i: String(block.id) }] });
    // The client calls Layout.from_dict on the answer: it must be an object.
    expect(answer).toBeTypeOf('object');
    expect(Array.isArray(answer)).toBe(false);
    layouts = await io.layouts(dash.key);
    expect(layouts.lg).toHaveLength(1);
    expect(layouts.lg[0].w).toBe(16);
    await io.delete_block(dash.key, block.id);
    await io.delete_dashboard(dash.key);

    expect(await io.dashboards()).toEqual([]);
  });
});

describe('docs: Building a Dashboard via API', () => {
  it('works as written: create the dashboard, create two blocks, arrange them', async ({ t }) => {
    // The walkthrough assumes a `temperature` feed.
    expect((await t.req('POST', `${BASE}/feeds`, { body: { feed: { name: 'temperature' } } })).status).toBe(201);

    // Step 1: Create the dashboard.
    const step1 = await t.req('POST', `${BASE}/dashboards`, { body: { dashboard: { name: 'Weather Station' } } });
    expect(step1.status).toBe(201);
    expect(step1.json).toMatchObject({ key: 'weather-station', blocks: [] });

    // Step 2: Create blocks on the dashboard.
    const gauge = await t.req('POST', `${BASE}/dashboards/weather-station/blocks`, {
      body: {
        block: {
          visual_type: 'gauge',
          block_feeds: [{ feed_id: 'temperature' }],
          properties: { minValue: '0', maxValue: '100', label: 'Temp' },
        },
      },
    });
    expect(gauge.status).toBe(200);
    const chart = await t.req('POST', `${BASE}/dashboards/weather-station/blocks`, {
      body: {
        block: {
          visual_type: 'line_chart',
          block_feeds: [{ feed_id: 'temperature' }],
          properties: { historyHours: '24', yAxisLabel: 'Temp' },
        },
      },
    });
    expect(chart.status).toBe(200);
    const gaugeId: string = gauge.json.id;
    const chartId: string = chart.json.id;
    expect(gaugeId).toMatch(/^\d+$/);
    expect(chartId).toMatch(/^\d+$/);
    expect(gauge.json).toMatchObject({
      visual_type: 'gauge',
      size_x: 4,
      size_y: 4,
      properties: { minValue: '0', maxValue: '100', label: 'Temp' },
      block_feeds: [{ feed: { name: 'temperature', key: 'temperature' }, group: { name: 'Default', key: 'default' } }],
    });

    // Step 3: Arrange blocks on the grid.
    const step3 = await t.req('POST', `${BASE}/dashboards/weather-station/update_layouts`, {
      body: {
        layouts: {
          lg: [
            { x: 0, y: 0, w: 4, h: 4, i: gaugeId },
            { x: 4, y: 0, w: 12, h: 4, i: chartId },
          ],
          sm: [
            { x: 0, y: 0, w: 4, h: 4, i: gaugeId },
            { x: 0, y: 4, w: 8, h: 4, i: chartId },
          ],
        },
      },
    });
    expect(step3.status).toBe(200);
    expect(step3.json.layouts.lg).toEqual([
      { x: 0, y: 0, w: 4, h: 4, i: gaugeId },
      { x: 4, y: 0, w: 12, h: 4, i: chartId },
    ]);

    const final = await t.req('GET', `${BASE}/dashboards/weather-station`);
    expect(final.json.blocks.map((b: { id: string }) => b.id)).toEqual([gaugeId, chartId]);
    expect(final.json.layouts.sm).toEqual([
      { x: 0, y: 0, w: 4, h: 4, i: gaugeId },
      { x: 0, y: 4, w: 8, h: 4, i: chartId },
    ]);
    // The breakpoints not sent keep the automatic placement of both blocks.
    for (const bp of ['xl', 'md', 'xs']) expect(final.json.layouts[bp].map((e: { i: string }) => e.i)).toEqual([gaugeId, chartId]);
  });
});
