import { describe, expect } from 'vitest';
import { eq } from 'drizzle-orm';
import { AioError } from '../../src/core/errors.js';
import { BREAKPOINTS, LAYOUT_COLUMNS, firstFree } from '../../src/core/layouts.js';
import { blocks, layouts } from '../../src/db/schema.js';
import { coreTestWith } from '../helpers.js';

const it = coreTestWith({ fakeClock: true });

const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return e.status;
    throw e;
  }
  return 'no error';
};

describe('dashboards: create', () => {
  it('takes its key from the name and applies the documented defaults', ({ t }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Weather Station' });
    expect(d.key).toBe('weather-station');
    const json = core.dashboards.json(alice.user, [d])[0]!;
    expect(json).toMatchObject({
      name: 'Weather Station',
      key: 'weather-station',
      description: null,
      visibility: 'private',
      show_header: false,
      header_image_url: null,
      color_mode: 'dark',
      block_borders: true,
      allow_overlap: false,
      created_at: '2026-01-15T12:00:00Z',
      blocks: [],
    });
    expect(json).not.toHaveProperty('layouts');
  });

  it('accepts the Python client body (explicit nulls) and a given key', ({ t }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, {
      name: 'dashtest',
      key: null,
      description: null,
      show_header: false,
      color_mode: 'dark',
      block_borders: true,
      header_image_url: null,
      blocks: null,
    });
    expect(d.key).toBe('dashtest');
    const e = core.dashboards.create(alice.user, {
      name: 'Other',
      key: 'My-Key',
      color_mode: 'Light',
      visibility: 'Public',
      show_header: 'true',
    });
    expect(e).toMatchObject({ key: 'my-key', colorMode: 'light', visibility: 'public', showHeader: true });
  });

  it('suffixes a taken key made from the name, refuses a taken key that was given', ({ t }) => {
    const { core, alice } = t;
    core.dashboards.create(alice.user, { name: 'Home' });
    expect(core.dashboards.create(alice.user, { name: 'home' }).key).toBe('home-1');
    expect(status(() => core.dashboards.create(alice.user, { name: 'x', key: 'home' }))).toBe(422);
  });

  it('needs a name of at most 128 characters, and a valid color mode', ({ t }) => {
    const { core, alice } = t;
    expect(status(() => core.dashboards.create(alice.user, {}))).toBe(422);
    expect(status(() => core.dashboards.create(alice.user, { name: '  ' }))).toBe(422);
    expect(status(() => core.dashboards.create(alice.user, { name: 'a'.repeat(129) }))).toBe(422);
    expect(core.dashboards.create(alice.user, { name: 'a'.repeat(128) }).name).toHaveLength(128);
    expect(status(() => core.dashboards.create(alice.user, { name: 'x', color_mode: 'blue' }))).toBe(422);
    expect(status(() => core.dashboards.create(alice.user, { name: '!!!' }))).toBe(422);
    expect(core.dashboards.create(alice.user, { name: '!!!', key: 'bangs' }).name).toBe('!!!');
  });

  it('keys are per user', ({ t }) => {
    const { core, alice, bob } = t;
    core.dashboards.create(alice.user, { name: 'Home' });
    expect(core.dashboards.create(bob.user, { name: 'Home' }).key).toBe('home');
  });
});

describe('dashboards: find, update, delete', () => {
  it('finds by key in any case, by id and by name, only among the user’s own', ({ t }) => {
    const { core, alice, bob } = t;
    const d = core.dashboards.create(alice.user, { name: 'Weather Station' });
    expect(core.dashboards.find(alice.user, 'WEATHER-station')?.id).toBe(d.id);
    expect(core.dashboards.find(alice.user, String(d.id))?.id).toBe(d.id);
    expect(core.dashboards.find(alice.user, 'Weather Station')?.id).toBe(d.id);
    expect(core.dashboards.find(bob.user, 'weather-station')).toBeUndefined();
    expect(core.dashboards.find(bob.user, String(d.id))).toBeUndefined();
    expect(status(() => core.dashboards.resolve(bob.user, 'weather-station'))).toBe(404);
  });

  it('changes only the fields sent', ({ t, clock }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Weather Station', description: 'Outdoor' });
    clock.advance(86_400_000);
    const u = core.dashboards.update(alice.user, d, { name: 'Updated Name', color_mode: 'light', description: undefined });
    expect(u).toMatchObject({
      name: 'Updated Name',
      key: 'weather-station',
      description: 'Outdoor',
      colorMode: 'light',
      blockBorders: true,
    });
    expect(u.updatedAt).toBe(d.updatedAt + 86_400_000);
    const k = core.dashboards.update(alice.user, u, { key: 'ws', allow_overlap: true, block_borders: false });
    expect(k).toMatchObject({ key: 'ws', allowOverlap: true, blockBorders: false, name: 'Updated Name' });
    core.dashboards.create(alice.user, { name: 'Taken' });
    expect(status(() => core.dashboards.update(alice.user, k, { key: 'taken' }))).toBe(422);
    expect(status(() => core.dashboards.update(alice.user, k, { name: '' }))).toBe(422);
  });

  it('delete takes its blocks, their feed connections and its layouts with it', ({ t }) => {
    const { core, alice } = t;
    const feed = core.feeds.create(alice.user, core.groups.defaultGroup(alice.user), { name: 'temperature' });
    const d = core.dashboards.create(alice.user, { name: 'Weather' });
    const other = core.dashboards.create(alice.user, { name: 'Other' });
    core.blocks.create(alice.user, d, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temperature' }] });
    core.blocks.create(alice.user, other, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temperature' }] });
    core.dashboards.delete(d);
    const db = t.db;
    expect(db.select().from(blocks).where(eq(blocks.dashboardId, d.id)).all()).toEqual([]);
    expect(db.select().from(layouts).where(eq(layouts.dashboardId, d.id)).all()).toEqual([]);
    expect(core.blocks.json(alice.user, core.blocks.list(alice.user, other))[0]!.block_feeds).toHaveLength(1);
    expect(core.feeds.find(alice.user, 'temperature')?.id).toBe(feed.id);
  });
});

describe('layouts', () => {
  it('a new dashboard has all five breakpoints, empty', ({ t }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Empty' });
    expect(core.dashboards.layouts(d)).toEqual({ xl: [], lg: [], md: [], sm: [], xs: [] });
    expect(core.dashboards.json(alice.user, [d], { layouts: true })[0]!.layouts).toEqual({ xl: [], lg: [], md: [], sm: [], xs: [] });
  });

  it('places each new block at the first free position of every breakpoint', ({ t }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Grid' });
    const a = core.blocks.create(alice.user, d, { visual_type: 'gauge' });
    const b = core.blocks.create(alice.user, d, { visual_type: 'line_chart', size_x: 8 });
    const c = core.blocks.create(alice.user, d, { visual_type: 'text', size_x: '4', size_y: '2' });
    const l = core.dashboards.layouts(d);
    for (const bp of BREAKPOINTS) expect(l[bp].map((e) => e.i)).toEqual([String(a.id), String(b.id), String(c.id)]);
    // 16 columns: all three side by side.
    expect(l.lg).toEqual([
      { x: 0, y: 0, w: 4, h: 4, i: String(a.id) },
      { x: 4, y: 0, w: 8, h: 4, i: String(b.id) },
      { x: 12, y: 0, w: 4, h: 2, i: String(c.id) },
    ]);
    expect(l.xl).toEqual(l.lg);
    // 8 columns: the 8-wide block goes below, the small one fills the gap beside the first.
    expect(l.md).toEqual([
      { x: 0, y: 0, w: 4, h: 4, i: String(a.id) },
      { x: 0, y: 4, w: 8, h: 4, i: String(b.id) },
      { x: 4, y: 0, w: 4, h: 2, i: String(c.id) },
    ]);
    // 4 columns: one under the other, wide blocks narrowed to the grid.
    expect(l.xs).toEqual([
      { x: 0, y: 0, w: 4, h: 4, i: String(a.id) },
      { x: 0, y: 4, w: 4, h: 4, i: String(b.id) },
      { x: 0, y: 8, w: 4, h: 2, i: String(c.id) },
    ]);
  });

  it('uses a block’s own column and row when they fit and are free (Arduino sets them)', ({ t }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Grid' });
    const a = core.blocks.create(alice.user, d, { visual_type: 'gauge', column: '4', row: '1' });
    const b = core.blocks.create(alice.user, d, { visual_type: 'gauge', column: 4, row: 1 });
    const l = core.dashboards.layouts(d);
    expect(l.lg).toEqual([
      { x: 4, y: 1, w: 4, h: 4, i: String(a.id) },
      { x: 0, y: 0, w: 4, h: 4, i: String(b.id) },
    ]);
    // xs has 4 columns: column 4 does not fit, so first free.
    expect(l.xs[0]).toEqual({ x: 0, y: 0, w: 4, h: 4, i: String(a.id) });
  });

  it('firstFree scans rows top to bottom, then columns', () => {
    expect(firstFree([], 16, 4, 4)).toEqual({ x: 0, y: 0 });
    expect(firstFree([{ x: 0, y: 0, w: 16, h: 2 }], 16, 4, 4)).toEqual({ x: 0, y: 2 });
    expect(
      firstFree(
        [
          { x: 0, y: 0, w: 4, h: 4 },
          { x: 8, y: 0, w: 8, h: 4 },
        ],
        16,
        4,
        4,
      ),
    ).toEqual({ x: 4, y: 0 });
    expect(
      firstFree(
        [
          { x: 0, y: 0, w: 4, h: 4 },
          { x: 8, y: 0, w: 8, h: 4 },
        ],
        16,
        5,
        4,
      ),
    ).toEqual({ x: 0, y: 4 });
    expect(LAYOUT_COLUMNS.lg).toBeGreaterThanOrEqual(16);
  });

  it('a deleted block leaves every layout', ({ t }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Grid' });
    const a = core.blocks.create(alice.user, d, { visual_type: 'gauge' });
    const b = core.blocks.create(alice.user, d, { visual_type: 'gauge' });
    core.blocks.delete(a);
    const l = core.dashboards.layouts(d);
    for (const bp of BREAKPOINTS) expect(l[bp].map((e) => e.i)).toEqual([String(b.id)]);
  });

  it('update replaces the breakpoints given and leaves null or absent ones as they were', ({ t, clock }) => {
    const { core, alice } = t;
    const d = core.dashboards.create(alice.user, { name: 'Grid' });
    const a = core.blocks.create(alice.user, d, { visual_type: 'gauge' });
    const b = core.blocks.create(alice.user, d, { visual_type: 'line_chart' });
    const before = core.dashboards.layouts(d);
    clock.advance(1000);
    const updated = core.dashboards.updateLayouts(d, {
      xl: null,
      lg: [
        { x: 4, y: 0, w: 12, h: 4, i: String(b.id) },
        { x: 0, y: 0, w: 4, h: 4, i: String(a.id), z: 2 },
      ],
      sm: [{ x: '0', y: '0', w: '2', h: '2', i: a.id, moved: false, static: false }],
    });
    expect(updated.updatedAt).toBe(d.updatedAt + 1000);
    const after = core.dashboards.layouts(d);
    expect(after.lg).toEqual([
      { x: 4, y: 0, w: 12, h: 4, i: String(b.id) },
      { x: 0, y: 0, w: 4, h: 4, i: String(a.id), z: 2 },
    ]);
    expect(after.sm).toEqual([{ x: 0, y: 0, w: 2, h: 2, i: String(a.id) }]);
    expect(after.xl).toEqual(before.xl);
    expect(after.md).toEqual(before.md);
    expect(after.xs).toEqual(before.xs);
    core.dashboards.updateLayouts(d, { md: [] });
    expect(core.dashboards.layouts(d).md).toEqual([]);
  });

  describe('update validation: each rule refuses with 422 and changes nothing', () => {
    const cases: Array<[string, (a: string, other: string) => unknown]> = [
      ['layouts not an object', () => [1, 2]],
      ['layouts a string', () => 'lg'],
      ['unknown breakpoint', (a) => ({ xxl: [{ x: 0, y: 0, w: 4, h: 4, i: a }] })],
      ['breakpoint not an array', (a) => ({ lg: { x: 0, y: 0, w: 4, h: 4, i: a } })],
      ['entry not an object', () => ({ lg: ['nope'] })],
      ['missing i', () => ({ lg: [{ x: 0, y: 0, w: 4, h: 4 }] })],
      ['i not a block id', () => ({ lg: [{ x: 0, y: 0, w: 4, h: 4, i: 'blocktest' }] })],
      ['i of a block that does not exist', () => ({ lg: [{ x: 0, y: 0, w: 4, h: 4, i: '999999' }] })],
      ['i of a block on another dashboard', (_a, other) => ({ lg: [{ x: 0, y: 0, w: 4, h: 4, i: other }] })],
      [
        'i repeated',
        (a) => ({
          lg: [
            { x: 0, y: 0, w: 4, h: 4, i: a },
            { x: 4, y: 0, w: 4, h: 4, i: a },
          ],
        }),
      ],
      ['missing x', (a) => ({ lg: [{ y: 0, w: 4, h: 4, i: a }] })],
      ['negative x', (a) => ({ lg: [{ x: -1, y: 0, w: 4, h: 4, i: a }] })],
      ['missing y', (a) => ({ lg: [{ x: 0, w: 4, h: 4, i: a }] })],
      ['negative y', (a) => ({ lg: [{ x: 0, y: -2, w: 4, h: 4, i: a }] })],
      ['fractional x', (a) => ({ lg: [{ x: 1.5, y: 0, w: 4, h: 4, i: a }] })],
      ['missing w', (a) => ({ lg: [{ x: 0, y: 0, h: 4, i: a }] })],
      ['w below 2', (a) => ({ lg: [{ x: 0, y: 0, w: 1, h: 4, i: a }] })],
      ['missing h', (a) => ({ lg: [{ x: 0, y: 0, w: 4, i: a }] })],
      ['h below 2', (a) => ({ lg: [{ x: 0, y: 0, w: 4, h: 0, i: a }] })],
      ['h not a number', (a) => ({ lg: [{ x: 0, y: 0, w: 4, h: 'tall', i: a }] })],
      ['z not a number', (a) => ({ lg: [{ x: 0, y: 0, w: 4, h: 4, i: a, z: 'top' }] })],
      // A good breakpoint next to a bad one: neither is applied.
      ['one bad breakpoint among good ones', (a) => ({ xl: [{ x: 8, y: 8, w: 4, h: 4, i: a }], lg: [{ x: 0, y: 0, w: 1, h: 4, i: a }] })],
    ];
    for (const [name, body] of cases) {
      it(name, ({ t }) => {
        const { core, alice } = t;
        const d = core.dashboards.create(alice.user, { name: 'Grid' });
        const a = core.blocks.create(alice.user, d, { visual_type: 'gauge' });
        const otherDash = core.dashboards.create(alice.user, { name: 'Other' });
        const other = core.blocks.create(alice.user, otherDash, { visual_type: 'gauge' });
        const before = core.dashboards.layouts(d);
        expect(status(() => core.dashboards.updateLayouts(d, body(String(a.id), String(other.id))))).toBe(422);
        expect(core.dashboards.layouts(d)).toEqual(before);
      });
    }
  });
});
