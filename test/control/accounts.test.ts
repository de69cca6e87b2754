import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlled, type Controlled } from './helpers.js';

const KEY = 'alice-key-0123456789';

let t: Controlled | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A fixture with one of everything. */
const FIXTURE = {
  key: 'dev-key-0123456789abcdef',
  rate_limit: 60,
  groups: [{ key: 'house', name: 'House', feeds: ['temp'] }],
  feeds: [
    {
      key: 'temp',
      name: 'Temperature',
      unit_symbol: '°C',
      data: [
        { value: '20.5', created_at: '2026-01-15T11:00:00Z', lat: 52.5, lon: 13.4, ele: 34 },
        { value: '21', ago_ms: 60_000 },
      ],
    },
    {
      key: 'house.door',
      name: 'Door',
      history: false,
      data: [
        { value: 'open', ago_ms: 5000 },
        { value: 'closed', ago_ms: 1000 },
      ],
    },
    { key: 'fan', data: [] },
  ],
  tokens: [
    {
      key: 'token-secret-0123456789',
      readable: true,
      createable: false,
      updateable: false,
      deleteable: false,
      feed: 'temp',
      expiration: null,
    },
  ],
  webhooks: [{ feed: 'temp', kind: 'data', token: 'webhook-token-0123456789' }],
  dashboards: [
    {
      key: 'home',
      name: 'Home',
      blocks: [{ name: 'Temp', visual_type: 'gauge', size_x: 4, size_y: 4, column: 0, row: 0, block_feeds: [{ feed: 'temp' }] }],
      layouts: { xl: [{ i: 0, x: 2, y: 0, w: 4, h: 4 }] },
    },
  ],
  permissions: [{ model: 'feed', object: 'temp', scope: 'public', mode: 'r' }],
  actions: [
    { trigger_type: 'reactive', feed: 'temp', operator: 'gt', value: '30', action: 'feed', action_feed: 'fan', action_value: 'ON' },
  ],
  integrations: [{ service: 'words', name: 'dice', generator: 'number', min: 1, max: 6 }],
};

describe('PUT /_aio/accounts/{user}', () => {
  it('creates an account from a fixture, with fixed secrets that work at once', async () => {
    t = await startControlled();
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2026-01-15T12:00:00Z' });
    const res = await t.ctl('PUT', '/_aio/accounts/dev', FIXTURE);
    expect(res.status).toBe(200);
    const ids = res.json.ids;
    expect(Object.keys(ids.feeds).sort()).toEqual(['fan', 'house.door', 'temp']);
    expect(ids.tokens).toEqual([{ id: expect.any(Number), key: 'token-secret-0123456789' }]);
    expect(ids.webhooks).toEqual([{ id: expect.any(Number), feed: 'temp', token: 'webhook-token-0123456789' }]);
    expect(ids.blocks.home).toHaveLength(1);
    expect(ids.key).toBeUndefined();

    const key = FIXTURE.key;
    const data = await t.api('GET', '/dev/feeds/temp/data', key);
    expect(data.json.map((d: { value: string; created_at: string; lat: string }) => [d.value, d.created_at])).toEqual([
      ['21', '2026-01-15T11:59:00Z'],
      ['20.5', '2026-01-15T11:00:00Z'],
    ]);
    expect(data.json[1]).toMatchObject({ lat: 52.5, lon: 13.4, ele: 34 });
    expect((await t.api('GET', '/dev/feeds/temp', key)).json).toMatchObject({ last_value: '21', unit_symbol: '°C' });
    // Without history only the newest point stays.
    expect((await t.api('GET', '/dev/feeds/house.door/data', key)).json.map((d: { value: string }) => d.value)).toEqual(['closed']);
    expect((await t.api('GET', '/dev/groups/house', key)).json.feeds.map((f: { key: string }) => f.key).sort()).toEqual([
      'house.door',
      'temp',
    ]);
    // The token reads temp and nothing else; the webhook writes to temp.
    expect((await t.api('GET', '/dev/feeds/temp/data', 'token-secret-0123456789')).status).toBe(200);
    expect((await t.api('GET', '/dev/feeds/fan/data', 'token-secret-0123456789')).status).toBe(403);
    const hook = await fetch(`${t.server.httpUrl}/api/v2/webhooks/feed/webhook-token-0123456789`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: '22' }),
    });
    expect(hook.status).toBe(200);
    expect((await t.api('GET', '/dev/throttle', key)).json.data_rate_limit).toBe(60);
    expect((await t.api('GET', '/dev/activities', key)).json).toEqual([]);
    // The action is live: a point over 30 switches the fan on.
    await t.api('POST', '/dev/feeds/temp/data', key, { value: '35' });
    await t.server.core.actions.engine.settled();
    expect((await t.api('GET', '/dev/feeds/fan/data', key)).json.map((d: { value: string }) => d.value)).toEqual(['ON']);
  });

  it('replaces an existing account: old records go, its key stays unless the fixture gives one', async () => {
    t = await startControlled();
    await t.api('POST', '/alice/feeds/old/data', KEY, { value: 1 });
    const res = await t.ctl('PUT', '/_aio/accounts/alice', { feeds: [{ key: 'new', data: [{ value: 'x' }] }] });
    expect(res.status).toBe(200);
    expect((await t.api('GET', '/alice/feeds', KEY)).json.map((f: { key: string }) => f.key)).toEqual(['new']);
    await t.ctl('PUT', '/_aio/accounts/alice', { key: 'another-key-0123456789' });
    expect((await t.api('GET', '/alice/feeds', KEY)).status).toBe(401);
    expect((await t.api('GET', '/alice/feeds', 'another-key-0123456789')).json).toEqual([]);
  });

  it('a new account without a key gets one, answered once in ids', async () => {
    t = await startControlled();
    const res = await t.ctl('PUT', '/_aio/accounts/fresh', {});
    expect(res.json.ids.key).toMatch(/^aio_/);
    expect((await t.api('GET', '/fresh/feeds', res.json.ids.key)).status).toBe(200);
  });

  it('a bad fixture is a 422 naming the field, and changes nothing', async () => {
    t = await startControlled();
    await t.api('POST', '/alice/feeds/old/data', KEY, { value: 1 });
    for (const [fixture, field] of [
      [{ feeds: [{ key: 'a', data: [{ value: 1 }, { value: 2, created_at: 'yesterday' }] }] }, /^feeds\[0\]\.data\[1\]: created_at/],
      [{ feeds: [{ key: 'a' }, { key: 'a' }] }, /^feeds\[1\]: Key has already been taken/],
      [{ feeds: [{ key: 'nogroup.a' }] }, /^feeds\[0\]\.key: names group "nogroup"/],
      [{ tokens: [{ feed: 'missing' }] }, /^tokens\[0\]/],
      [{ webhooks: [{ feed: 'missing' }] }, /^webhooks\[0\]\.feed/],
      [
        {
          feeds: [{ key: 'a' }],
          actions: [{ trigger_type: 'reactive', feed: 'a', operator: 'sideways', action: 'feed', action_feed: 'a' }],
        },
        /^actions\[0\]/,
      ],
      [{ dashboards: [{ key: 'd', blocks: [{ visual_type: 'nope' }] }] }, /^dashboards\[0\]\.blocks\[0\]/],
      [{ dashboards: [{ key: 'd', layouts: { xl: [{ i: 3, x: 0, y: 0, w: 4, h: 4 }] } }] }, /^dashboards\[0\]\.layouts\.xl\[0\]\.i/],
      [{ feeds: [{ key: 'a', data: [{ value: 1, ago_ms: -5 }] }] }, /ago_ms/],
      [{ rate_limit: 'fast' }, /^rate_limit/],
      [{ colour: 'blue' }, /^colour: is not a fixture field/],
      [{ integrations: [{ service: 'tarot' }] }, /^integrations\[0\]\.service/],
    ] as const) {
      const res = await t.ctl('PUT', '/_aio/accounts/alice', fixture);
      expect(res.status, JSON.stringify(fixture)).toBe(422);
      expect(res.json.error).toMatch(field);
    }
    const notObject = await t.ctl('PUT', '/_aio/accounts/alice', [1, 2]);
    expect(notObject.status).toBe(400);
    expect((await t.api('GET', '/alice/feeds', KEY)).json.map((f: { key: string }) => f.key)).toEqual(['old']);
    expect((await t.api('GET', '/alice/feeds/old/data', KEY)).json).toHaveLength(1);
    // A new account whose fixture fails is not made at all.
    expect((await t.ctl('PUT', '/_aio/accounts/ghost', { feeds: [{ key: 'a' }, { key: 'a' }] })).status).toBe(422);
    expect((await t.ctl('GET', '/_aio/accounts/ghost/export')).status).toBe(404);
    expect((await t.ctl('PUT', '/_aio/accounts/bad name', {})).status).toBe(422);
  });

  it('stores every point of a big fixture in order, across the many-rows-to-a-statement inserts', async () => {
    t = await startControlled();
    // 250 points: two statements of 100 rows, then the last 50 one by one.
    const data = Array.from({ length: 250 }, (_, i) => ({ value: `v${i}`, ago_ms: (250 - i) * 1000, ...(i === 120 ? { lat: 1.5 } : {}) }));
    expect((await t.ctl('PUT', '/_aio/accounts/dev', { key: 'dev-key-0123456789abcdef', feeds: [{ key: 'temp', data }] })).status).toBe(
      200,
    );
    const out = (await t.ctl('GET', '/_aio/accounts/dev/export')).json;
    const points = out.feeds[0].data as Array<{ value: string; lat: number | null }>;
    expect(points.map((d) => d.value)).toEqual(data.map((d) => d.value));
    expect(points[120]!.lat).toBe(1.5);
    expect(points[121]!.lat).toBeNull();
    const last = await t.api('GET', '/dev/feeds/temp/data/last', 'dev-key-0123456789abcdef');
    expect(last.json.value).toBe('v249');
  });

  it('counts a long value in UTF-8 bytes', async () => {
    t = await startControlled();
    // 341 three-byte characters are 1,023 bytes (the limit is 1,024); 342 are one too many.
    const ok = await t.ctl('PUT', '/_aio/accounts/dev', { feeds: [{ key: 'a', data: [{ value: '€'.repeat(341) }] }] });
    expect(ok.status).toBe(200);
    const res = await t.ctl('PUT', '/_aio/accounts/dev', { feeds: [{ key: 'a', data: [{ value: 'x' }, { value: '€'.repeat(342) }] }] });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/^feeds\[0\]\.data\[1\]\.value: is longer than 1024 bytes/);
  });

  it('refuses a token key already in use by another account', async () => {
    t = await startControlled();
    expect((await t.ctl('PUT', '/_aio/accounts/one', { tokens: [{ key: 'shared-secret-0123456789' }] })).status).toBe(200);
    const res = await t.ctl('PUT', '/_aio/accounts/two', { tokens: [{ key: 'shared-secret-0123456789' }] });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatch(/^tokens\[0\]\.key/);
  });

  it('needs the bearer key', async () => {
    t = await startControlled();
    expect((await t.ctl('PUT', '/_aio/accounts/dev', FIXTURE, null)).status).toBe(401);
    expect((await t.ctl('GET', '/_aio/accounts/alice/export', undefined, 'wrong-wrong-wrong-wrong')).status).toBe(401);
    expect((await t.ctl('GET', '/_aio/accounts/dev/export')).status).toBe(404);
  });

  it('a seeded device connects over MQTT with its fixed token at once', async () => {
    t = await startControlled();
    await t.ctl('PUT', '/_aio/accounts/dev', FIXTURE);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${t.server.mqttPort}`, {
      username: 'dev',
      password: FIXTURE.key,
      reconnectPeriod: 0,
    });
    await client.publishAsync('dev/f/fan', 'OFF', { qos: 1 });
    expect((await t.api('GET', '/dev/feeds/fan/data', FIXTURE.key)).json.map((d: { value: string }) => d.value)).toEqual(['OFF']);
    await client.endAsync(true);
  });
});

describe('GET /_aio/accounts/{user}/export', () => {
  it('answers the fixture shape; export → seed another account → export is equal', async () => {
    t = await startControlled();
    await t.ctl('PUT', '/_aio/clock', { mode: 'frozen', at: '2026-01-15T12:00:00Z' });
    await t.ctl('PUT', '/_aio/accounts/dev', FIXTURE);
    const first = await t.ctl('GET', '/_aio/accounts/dev/export');
    expect(first.status).toBe(200);
    const out = first.json;
    expect(out.key).toBeUndefined();
    expect(out.rate_limit).toBe(60);
    expect(out.feeds.find((f: { key: string }) => f.key === 'temp').data).toEqual([
      { value: '20.5', created_at: '2026-01-15T11:00:00.000Z', lat: 52.5, lon: 13.4, ele: 34 },
      { value: '21', created_at: '2026-01-15T11:59:00.000Z', lat: null, lon: null, ele: null },
    ]);
    expect(out.groups).toEqual([{ key: 'house', name: 'House', description: null, visibility: 'private', feeds: ['temp'] }]);
    expect(out.tokens).toEqual([
      { readable: true, createable: false, updateable: false, deleteable: false, feed: 'temp', expiration: null },
    ]);
    expect(out.webhooks).toEqual([{ feed: 'temp', kind: 'data' }]);
    expect(out.dashboards[0].blocks[0].block_feeds).toEqual([{ feed: 'temp', group: 'default' }]);
    expect(out.dashboards[0].layouts.xl).toEqual([expect.objectContaining({ i: 0, x: 2, y: 0, w: 4, h: 4 })]);
    expect(out.actions).toEqual([
      expect.objectContaining({ trigger_type: 'reactive', feed: 'temp', action_feed: 'fan', action_value: 'ON' }),
    ]);
    expect(out.integrations).toEqual([expect.objectContaining({ service: 'words', name: 'dice', min: 1, max: 6 })]);

    const copy = await t.ctl('PUT', '/_aio/accounts/copy', out);
    expect(copy.status).toBe(200);
    expect((await t.ctl('GET', '/_aio/accounts/copy/export')).json).toEqual(out);
  });
});
