import { afterEach, describe, expect, it } from 'vitest';
import type { FeedRow } from '../../../src/core/types.js';
import { FakeClock, makeCore, type TestCore } from '../../helpers.js';

const MIN = 60_000;

let t: TestCore;
afterEach(() => t?.close());

/**
 * Reads a feed's stored blocks of one span with plain SQL and decodes them by the layout that
 * db/schema/chart.ts documents, with offsets written out here rather than taken from the code, so
 * that a change of layout (which would misread every database already stored) fails.
 */
function stored(feed: FeedRow, span: number) {
  const rows = t.db.$client
    .prepare('SELECT block, stats, lasts FROM chart_blocks WHERE feed_id = ? AND span = ? ORDER BY block')
    .all(feed.id, span) as Array<{ block: number; stats: Buffer; lasts: string }>;
  return rows.map((r) => {
    const slots: number[][] = [];
    for (let o = 0; o < r.stats.length; o += 48) slots.push([0, 8, 16, 24, 32, 40].map((d) => r.stats.readDoubleLE(o + d)));
    return { block: r.block, slots, lasts: JSON.parse(r.lasts) as string[] };
  });
}

describe('stored blocks', () => {
  it('hold per slot: slot within the block, count, count of numbers, sum, minimum, maximum; and the newest values', () => {
    const clock = new FakeClock();
    t = makeCore({ clock: clock.now });
    const feed = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'temp' });
    const write = (points: Array<[number, string]>) =>
      t.core.data.create(
        t.alice.user,
        feed,
        points.map(([createdAt, value]) => ({ value, createdAt })),
      );
    const T = Date.parse('2026-01-15T10:07:00Z');
    const minute = T / MIN;
    const [block1, slot1] = [Math.floor(minute / 60), minute % 60];
    const hour = Math.floor(minute / 60);
    const [block60, slot60] = [Math.floor(hour / 60), hour % 60];

    // A fold writes new blocks.
    write([
      [T + 1000, '2'],
      [T + 2000, '4'],
      [T + 3000, 'on'],
      [T + MIN + 1000, 'x'],
    ]);
    t.core.data.chart.fold(feed.id);
    expect(stored(feed, 1)).toEqual([
      {
        block: block1,
        slots: [
          [slot1, 3, 2, 6, 2, 4],
          [slot1 + 1, 1, 0, 0, NaN, NaN],
        ],
        lasts: ['on', 'x'],
      },
    ]);
    expect(stored(feed, 60)).toEqual([{ block: block60, slots: [[slot60, 4, 2, 6, 2, 4]], lasts: ['x'] }]);

    // A late point is counted into the stored numbers in place; it is the newest value of its minute
    // but not of its hour.
    write([[T + 59_000, '10']]);
    expect(stored(feed, 1)[0]).toMatchObject({ slots: [[slot1, 4, 3, 16, 2, 10], expect.anything()], lasts: ['10', 'x'] });
    expect(stored(feed, 60)[0]).toMatchObject({ slots: [[slot60, 5, 3, 16, 2, 10]], lasts: ['x'] });

    // A later fold extends a block, merging into its last slot when shared.
    write([[T + 2 * MIN, '-1']]);
    t.core.data.chart.fold(feed.id);
    expect(stored(feed, 1)[0]!.slots).toEqual([
      [slot1, 4, 3, 16, 2, 10],
      [slot1 + 1, 1, 0, 0, NaN, NaN],
      [slot1 + 2, 1, 1, -1, -1, -1],
    ]);
    expect(stored(feed, 1)[0]!.lasts).toEqual(['10', 'x', '-1']);
    expect(stored(feed, 60)).toEqual([{ block: block60, slots: [[slot60, 6, 4, 15, -1, 10]], lasts: ['-1'] }]);
  });
});
