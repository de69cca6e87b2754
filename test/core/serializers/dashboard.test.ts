import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlockConnection } from '../../../src/db/blocks.js';
import { blocksJson } from '../../../src/core/serializers/block.js';
import { dashboardsJson } from '../../../src/core/serializers/dashboard.js';
import type { BlockRow, DashboardRow } from '../../../src/core/types.js';
import { makeCore, type TestCore } from '../../helpers.js';

let t: TestCore;
let home: DashboardRow;
let other: DashboardRow;
let empty: DashboardRow;
let blocks: BlockRow[];

beforeEach(() => {
  t = makeCore();
  const u = t.alice.user;
  home = t.core.dashboards.create(u, { name: 'Home' });
  other = t.core.dashboards.create(u, { name: 'Other' });
  empty = t.core.dashboards.create(u, { name: 'Empty' });
  blocks = [
    t.core.blocks.create(u, home, { visual_type: 'gauge', properties: { minValue: 0 } }),
    t.core.blocks.create(u, other, { visual_type: 'text' }),
    t.core.blocks.create(u, home, { visual_type: 'slider' }),
  ];
});
afterEach(() => t.close());

/** Connections as the store returns them, made up here: the serializer only shapes what it is given. */
const link = (id: number, blockId: number, feedKey: string): BlockConnection => ({
  id,
  blockId,
  feed: { id: id * 10, name: feedKey, key: feedKey },
  group: { id: 1, name: 'Default', key: 'default' },
});

describe('blocksJson / dashboardsJson (pure: rows in, records out)', () => {
  it('gives each block its own connections, in the order given', () => {
    const [a, b, c] = blocks as [BlockRow, BlockRow, BlockRow];
    const json = blocksJson(blocks, [link(3, c.id, 'x'), link(1, a.id, 'y'), link(2, a.id, 'z')]);
    expect(json.map((j) => j.id)).toEqual([String(a.id), String(b.id), String(c.id)]);
    expect(json[0]!.block_feeds).toEqual([
      { id: '1', feed: { id: 10, name: 'y', key: 'y' }, group: { id: 1, name: 'Default', key: 'default' } },
      { id: '2', feed: { id: 20, name: 'z', key: 'z' }, group: { id: 1, name: 'Default', key: 'default' } },
    ]);
    expect(json[1]!.block_feeds).toEqual([]);
    expect(json[2]!.block_feeds.map((l) => l.id)).toEqual(['3']);
    expect(json[0]!.properties).toEqual({ minValue: 0 });
  });

  it('gives each dashboard its own blocks; layouts only where given, before the blocks', () => {
    const [a, b, c] = blocks as [BlockRow, BlockRow, BlockRow];
    const layouts = { xl: [], lg: [], md: [], sm: [], xs: [] };
    const json = dashboardsJson([home, other, empty], blocks, [link(1, b.id, 'x')], new Map([[other.id, layouts]]));
    expect(json.map((d) => d.blocks.map((bl) => bl.id))).toEqual([[String(a.id), String(c.id)], [String(b.id)], []]);
    expect(json[1]!.blocks[0]!.block_feeds).toHaveLength(1);
    expect(json[0]).not.toHaveProperty('layouts');
    expect(json[1]!.layouts).toBe(layouts);
    expect(Object.keys(json[1]!).slice(-2)).toEqual(['layouts', 'blocks']);
    expect(Object.keys(json[0]!)).toEqual([
      'id',
      'name',
      'key',
      'description',
      'visibility',
      'show_header',
      'header_image_url',
      'color_mode',
      'block_borders',
      'allow_overlap',
      'created_at',
      'updated_at',
      'blocks',
    ]);
  });
});
