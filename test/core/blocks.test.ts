import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VISUAL_TYPES } from '../../src/core/blocks.js';
import type { DashboardRow } from '../../src/core/dashboards.js';
import { AioError } from '../../src/core/errors.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

let t: TestCore;
let clock: FakeClock;
let dash: DashboardRow;

beforeEach(() => {
  clock = new FakeClock();
  t = makeCore({ clock: clock.now });
  dash = t.core.dashboards.create(t.alice.user, { name: 'Weather Station' });
});
afterEach(() => t.close());

const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return e.status;
    throw e;
  }
  return 'no error';
};

const json = (b: ReturnType<TestCore['core']['blocks']['create']>) => t.core.blocks.json(t.alice.user, [b])[0]!;

describe('blocks: create', () => {
  it('has 21 documented visual types, each accepted', () => {
    expect(VISUAL_TYPES).toHaveLength(21);
    for (const type of VISUAL_TYPES) {
      expect(json(t.core.blocks.create(t.alice.user, dash, { visual_type: type })).visual_type).toBe(type);
    }
    expect(t.core.blocks.list(t.alice.user, dash)).toHaveLength(21);
  });

  it('refuses a missing or unknown visual type with 422', () => {
    const { core, alice } = t;
    expect(status(() => core.blocks.create(alice.user, dash, {}))).toBe(422);
    expect(status(() => core.blocks.create(alice.user, dash, { visual_type: 'pie_chart' }))).toBe(422);
    expect(status(() => core.blocks.create(alice.user, dash, { visual_type: 7 }))).toBe(422);
    expect(core.blocks.list(alice.user, dash)).toEqual([]);
  });

  it('has the documented defaults and shape, with string ids', () => {
    const b = json(
      t.core.blocks.create(t.alice.user, dash, {
        name: 'blocktest',
        id: null,
        visual_type: 'line_chart',
        properties: {},
        block_feeds: null,
      }),
    );
    expect(b).toEqual({
      id: expect.stringMatching(/^\d+$/),
      name: 'blocktest',
      description: null,
      key: b.id,
      visual_type: 'line_chart',
      column: null,
      row: null,
      size_x: 4,
      size_y: 4,
      source_key: null,
      source: null,
      properties: {},
      block_feeds: [],
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
    });
  });

  it('takes sizes and positions as numbers or numeric strings (Arduino sends strings)', () => {
    const b = json(t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', size_x: '6', size_y: '2', row: '1', column: '2' }));
    expect(b).toMatchObject({ size_x: 6, size_y: 2, row: 1, column: 2 });
    const c = json(t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', size_x: 12, size_y: 5, row: 0, column: 0 }));
    expect(c).toMatchObject({ size_x: 12, size_y: 5, row: 0, column: 0 });
    for (const bad of [{ size_x: 'wide' }, { size_x: 0 }, { size_y: 2.5 }, { row: -1 }, { column: 'left' }]) {
      expect(status(() => t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', ...bad }))).toBe(422);
    }
  });

  it('stores properties as given, strings and booleans alike', () => {
    const properties = {
      minValue: '0',
      maxValue: '100',
      ringWidth: '25',
      label: 'Value',
      decimalPlaces: '2',
      showIcon: false,
      nested: { a: [1, '2'] },
    };
    const b = json(t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', properties }));
    expect(b.properties).toEqual(properties);
    expect(json(t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', properties: '{"label":"T"}' })).properties).toEqual({
      label: 'T',
    });
    expect(status(() => t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', properties: [1] }))).toBe(422);
    expect(status(() => t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', properties: 'nope' }))).toBe(422);
  });
});

describe('blocks: block_feeds', () => {
  const setup = () => {
    const { core, alice } = t;
    const def = core.groups.defaultGroup(alice.user);
    const temperature = core.feeds.create(alice.user, def, { name: 'Temperature' });
    const garden = core.groups.create(alice.user, { name: 'Garden' });
    const soil = core.feeds.create(alice.user, garden, { name: 'soil' });
    return { def, temperature, garden, soil };
  };
  const feedsOf = (b: ReturnType<typeof json>) => b.block_feeds.map((f) => ({ feed: f.feed.key, group: f.group?.key }));

  it('feed_id as a numeric id, a key, or group.key; responses carry feed and group', () => {
    const { def, temperature, soil } = setup();
    const b = json(
      t.core.blocks.create(t.alice.user, dash, {
        visual_type: 'line_chart',
        block_feeds: [
          { feed_id: temperature.id },
          { feed_id: String(temperature.id) },
          { feed_id: 'temperature' },
          { feed_id: 'garden.soil' },
        ],
      }),
    );
    expect(feedsOf(b)).toEqual([
      { feed: 'temperature', group: 'default' },
      { feed: 'temperature', group: 'default' },
      { feed: 'temperature', group: 'default' },
      { feed: 'garden.soil', group: 'garden' },
    ]);
    expect(b.block_feeds[0]).toEqual({
      id: expect.stringMatching(/^\d+$/),
      feed: { id: temperature.id, name: 'Temperature', key: 'temperature' },
      group: { id: def.id, name: 'Default', key: 'default' },
    });
    expect(soil.key).toBe('garden.soil');
  });

  it('group_id as a numeric id or a key; a feed key local to that group works', () => {
    const { def, garden } = setup();
    const b = json(
      t.core.blocks.create(t.alice.user, dash, {
        visual_type: 'line_chart',
        block_feeds: [
          { feed_id: 'temperature', group_id: 'default' },
          { feed_id: 'temperature', group_id: def.id },
          { feed_id: 'soil', group_id: 'garden' },
          { feed_id: 'garden.soil', group_id: String(garden.id) },
          // The default group named explicitly with a feed elsewhere: the feed's own group.
          { feed_id: 'garden.soil', group_id: 'default' },
        ],
      }),
    );
    expect(feedsOf(b)).toEqual([
      { feed: 'temperature', group: 'default' },
      { feed: 'temperature', group: 'default' },
      { feed: 'garden.soil', group: 'garden' },
      { feed: 'garden.soil', group: 'garden' },
      { feed: 'garden.soil', group: 'garden' },
    ]);
  });

  it('a feed added to another group can be connected through it', () => {
    const { garden } = setup();
    t.core.groups.addFeed(t.alice.user, garden, 'temperature');
    const b = json(
      t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temperature', group_id: 'garden' }] }),
    );
    expect(feedsOf(b)).toEqual([{ feed: 'temperature', group: 'garden' }]);
  });

  it('an unknown feed or group, or a feed outside the group, is a 422 and creates nothing', () => {
    setup();
    const bob = t.core.feeds.create(t.bob.user, t.core.groups.defaultGroup(t.bob.user), { name: 'bobs' });
    const bad: unknown[] = [
      [{ feed_id: 'nope' }],
      [{ feed_id: 999999 }],
      [{ feed_id: bob.id }],
      [{ feed_id: 'bobs' }],
      [{ feed_id: 'temperature', group_id: 'nogroup' }],
      [{ feed_id: 'temperature', group_id: 'garden' }],
      [{ feed_id: '' }],
      [{ group_id: 'default' }],
      ['temperature'],
      'temperature',
      [{ feed_id: 'temperature' }, { feed_id: 'nope' }],
    ];
    for (const block_feeds of bad) {
      expect(
        status(() => t.core.blocks.create(t.alice.user, dash, { visual_type: 'gauge', block_feeds })),
        JSON.stringify(block_feeds),
      ).toBe(422);
    }
    expect(t.core.blocks.list(t.alice.user, dash)).toEqual([]);
    expect(t.core.dashboards.layouts(dash).lg).toEqual([]);
  });

  it('deleting a feed removes it from every block that used it', () => {
    const { temperature } = setup();
    const other = t.core.dashboards.create(t.alice.user, { name: 'Other' });
    const a = t.core.blocks.create(t.alice.user, dash, {
      visual_type: 'line_chart',
      block_feeds: [{ feed_id: 'temperature' }, { feed_id: 'garden.soil' }],
    });
    const b = t.core.blocks.create(t.alice.user, other, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temperature' }] });
    t.core.feeds.delete(t.alice.user, temperature);
    expect(feedsOf(json(a))).toEqual([{ feed: 'garden.soil', group: 'garden' }]);
    expect(json(b).block_feeds).toEqual([]);
    expect(t.core.blocks.list(t.alice.user, dash)).toHaveLength(1);
  });

  it('a connection whose group is deleted shows the feed’s home group', () => {
    const { garden } = setup();
    const extra = t.core.groups.create(t.alice.user, { name: 'Extra' });
    t.core.groups.addFeed(t.alice.user, extra, 'garden.soil');
    const b = t.core.blocks.create(t.alice.user, dash, {
      visual_type: 'gauge',
      block_feeds: [{ feed_id: 'garden.soil', group_id: 'extra' }],
    });
    expect(feedsOf(json(b))).toEqual([{ feed: 'garden.soil', group: 'extra' }]);
    t.core.groups.delete(t.alice.user, extra);
    expect(feedsOf(json(b))).toEqual([{ feed: 'garden.soil', group: 'garden' }]);
    expect(garden.key).toBe('garden');
  });
});

describe('blocks: find, update, delete', () => {
  it('finds a block only by its id, on its own dashboard, for its own user', () => {
    const { core, alice, bob } = t;
    const b = core.blocks.create(alice.user, dash, { visual_type: 'gauge' });
    const other = core.dashboards.create(alice.user, { name: 'Other' });
    expect(core.blocks.find(alice.user, dash, String(b.id))?.id).toBe(b.id);
    expect(core.blocks.find(alice.user, other, String(b.id))).toBeUndefined();
    expect(core.blocks.find(alice.user, dash, 'blocktest')).toBeUndefined();
    expect(core.blocks.find(bob.user, dash, String(b.id))).toBeUndefined();
    expect(status(() => core.blocks.resolve(alice.user, dash, '999'))).toBe(404);
  });

  it('changes only the fields sent; block_feeds sent replaces every connection', () => {
    const { core, alice } = t;
    const def = core.groups.defaultGroup(alice.user);
    core.feeds.create(alice.user, def, { name: 'temperature' });
    core.feeds.create(alice.user, def, { name: 'humidity' });
    const b = core.blocks.create(alice.user, dash, {
      name: 'Temp',
      visual_type: 'gauge',
      properties: { minValue: '0', maxValue: '100', label: 'Temp' },
      block_feeds: [{ feed_id: 'temperature' }],
      size_x: 6,
    });
    clock.advance(60_000);
    const u = json(core.blocks.update(alice.user, b, { properties: { minValue: '0', maxValue: '200', label: 'Updated Label' } }));
    expect(u).toMatchObject({
      name: 'Temp',
      visual_type: 'gauge',
      size_x: 6,
      size_y: 4,
      properties: { minValue: '0', maxValue: '200', label: 'Updated Label' },
      updated_at: '2026-01-15T12:01:00Z',
      created_at: '2026-01-15T12:00:00Z',
    });
    expect(u.block_feeds.map((f) => f.feed.key)).toEqual(['temperature']);
    const v = json(
      core.blocks.update(alice.user, b, {
        block_feeds: [{ feed_id: 'humidity' }, { feed_id: 'temperature' }],
        visual_type: 'line_chart',
        row: '3',
      }),
    );
    expect(v.block_feeds.map((f) => f.feed.key)).toEqual(['humidity', 'temperature']);
    expect(v).toMatchObject({ visual_type: 'line_chart', row: 3, name: 'Temp' });
    const w = json(core.blocks.update(alice.user, b, { block_feeds: [], row: null, name: null }));
    expect(w).toMatchObject({ block_feeds: [], row: null, name: null, visual_type: 'line_chart' });
    expect(status(() => core.blocks.update(alice.user, b, { visual_type: 'nope' }))).toBe(422);
    expect(status(() => core.blocks.update(alice.user, b, { block_feeds: [{ feed_id: 'nope' }], name: 'x' }))).toBe(422);
    expect(json(core.blocks.resolve(alice.user, dash, String(b.id))).name).toBeNull();
  });

  it('delete removes the block and its connections, and leaves the dashboard', () => {
    const { core, alice } = t;
    core.feeds.create(alice.user, core.groups.defaultGroup(alice.user), { name: 'temperature' });
    const b = core.blocks.create(alice.user, dash, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temperature' }] });
    core.blocks.delete(b);
    expect(core.blocks.list(alice.user, dash)).toEqual([]);
    expect(core.dashboards.find(alice.user, 'weather-station')?.id).toBe(dash.id);
    expect(core.feeds.find(alice.user, 'temperature')?.key).toBe('temperature');
  });
});
