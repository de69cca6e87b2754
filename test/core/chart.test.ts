import { afterEach, describe, expect, it } from 'vitest';
import { CHART_FIELDS, CHART_RESOLUTIONS, autoResolution, parseChartQuery, type ChartField } from '../../src/core/chart/query.js';
import { FOLD_BACKLOG } from '../../src/core/chart/rollups.js';
import { numericValue } from '../../src/core/chart/slots.js';
import type { Config } from '../../src/config.js';
import { AioError } from '../../src/core/errors.js';
import type { DataRow, FeedRow } from '../../src/core/types.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

let t: TestCore;
let clock: FakeClock;
const setup = (config: Partial<Config> = {}) => {
  clock = new FakeClock();
  t = makeCore({ clock: clock.now, config });
  return t;
};
afterEach(() => t?.close());

const feedOf = (name = 'temp', extra: Record<string, unknown> = {}) =>
  t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name, ...extra });

const write = (feed: FeedRow, points: Array<[number, string]>): DataRow[] =>
  t.core.data.create(
    t.alice.user,
    feed,
    points.map(([createdAt, value]) => ({ value, createdAt })),
  );

const chart = (feed: FeedRow, q: Record<string, string | undefined>) => t.core.chart.chart(feed, parseChartQuery(q, clock.ms));
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The reference: every point scanned, written independently of src/core/chart/. A value is a
 * number when it is a non-blank string that Number() reads as a finite number (the test data
 * has no hex or other spellings where the two definitions could differ).
 */
interface RefPoint {
  id: string;
  t: number;
  v: string;
}
function reference(points: RefPoint[], startMs: number, endMs: number, res: number, field: ChartField): Array<[string, string]> {
  const w = res * MIN;
  const slices = new Map<number, RefPoint[]>();
  for (const p of [...points].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (p.t < startMs || p.t > endMs) continue;
    const k = Math.floor(p.t / w);
    if (!slices.has(k)) slices.set(k, []);
    slices.get(k)!.push(p);
  }
  const out: Array<[string, string]> = [];
  for (const k of [...slices.keys()].sort((a, b) => a - b)) {
    const ps = slices.get(k)!;
    const nums = ps
      .map((p) => p.v)
      .filter((v) => v.trim() !== '' && Number.isFinite(Number(v)))
      .map(Number);
    let value: string | undefined;
    if (field === 'val_count') value = String(ps.length);
    else if (field === 'val') value = ps[ps.length - 1]!.v;
    else if (nums.length > 0) {
      const sum = nums.reduce((a, b) => a + b, 0);
      value = String(field === 'avg' ? sum / nums.length : field === 'sum' ? sum : field === 'min' ? Math.min(...nums) : Math.max(...nums));
    }
    if (value !== undefined) out.push([iso(k * w).replace('.000Z', 'Z'), value]);
  }
  return out;
}

/** A deterministic pseudo-random source (mulberry32). */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['on', 'off', '{"a":1}', '12abc', 'NaN', 'Infinity', 'open'];

/** Values whose sums are exact in binary (quarters), so that any order of addition agrees. */
function valueFrom(r: () => number): string {
  if (r() < 0.25) return WORDS[Math.floor(r() * WORDS.length)]!;
  return String(Math.round((r() * 100 - 50) * 4) / 4);
}

/** Checks every field at every resolution, on an aligned and an unaligned window. */
function expectAllMatch(feed: FeedRow, points: RefPoint[], windows: Array<[number, number]>) {
  for (const [startMs, endMs] of windows) {
    for (const res of CHART_RESOLUTIONS) {
      for (const field of CHART_FIELDS) {
        const got = chart(feed, { start_time: iso(startMs), end_time: iso(endMs), resolution: String(res), field });
        expect(got.data, `${field} @ ${res} min, ${iso(startMs)} .. ${iso(endMs)}`).toEqual(reference(points, startMs, endMs, res, field));
      }
    }
  }
}

const T0 = at('2026-01-12T00:00:00Z');

/** ~1,700 points over three days, dense minutes included, written in batches in time order. */
function dataset(feed: FeedRow, seed = 1): RefPoint[] {
  const r = rng(seed);
  const times: number[] = [];
  for (let i = 0; i < 1200; i++) times.push(T0 + Math.floor(r() * 3 * DAY));
  for (let c = 0; c < 20; c++) {
    // A burst: 25 points inside one minute.
    const base = T0 + Math.floor(r() * 3 * DAY);
    for (let i = 0; i < 25; i++) times.push(base + i * 2000 + c);
  }
  const unique = [...new Set(times)].sort((a, b) => a - b);
  const out: RefPoint[] = [];
  for (let i = 0; i < unique.length; i += 100) {
    const batch = unique.slice(i, i + 100).map((ms) => [ms, valueFrom(r)] as [number, string]);
    for (const row of write(feed, batch)) out.push({ id: row.id, t: row.createdAt, v: row.value });
  }
  return out;
}

const WINDOWS: Array<[number, number]> = [
  [T0, T0 + 3 * DAY - 1],
  [T0 + 1_234_567, T0 + 2 * DAY + 17 * HOUR + 777],
];

describe('chart values', () => {
  it('computes each field from known points (worked by hand)', () => {
    setup();
    const feed = feedOf();
    write(feed, [
      [at('2026-01-15T10:00:10Z'), '1'],
      [at('2026-01-15T10:00:50Z'), '2'],
      [at('2026-01-15T10:01:30Z'), 'on'],
      [at('2026-01-15T10:04:59.999Z'), '6'],
      [at('2026-01-15T10:05:00Z'), '10'],
      [at('2026-01-15T10:05:01Z'), '-2.5'],
    ]);
    const q = (field: string) =>
      chart(feed, { start_time: '2026-01-15T10:00:00Z', end_time: '2026-01-15T10:09:59Z', resolution: '5', field }).data;
    expect(q('avg')).toEqual([
      ['2026-01-15T10:00:00Z', '3'],
      ['2026-01-15T10:05:00Z', '3.75'],
    ]);
    expect(q('sum')).toEqual([
      ['2026-01-15T10:00:00Z', '9'],
      ['2026-01-15T10:05:00Z', '7.5'],
    ]);
    expect(q('min')).toEqual([
      ['2026-01-15T10:00:00Z', '1'],
      ['2026-01-15T10:05:00Z', '-2.5'],
    ]);
    expect(q('max')).toEqual([
      ['2026-01-15T10:00:00Z', '6'],
      ['2026-01-15T10:05:00Z', '10'],
    ]);
    expect(q('val_count')).toEqual([
      ['2026-01-15T10:00:00Z', '4'],
      ['2026-01-15T10:05:00Z', '2'],
    ]);
    expect(q('val')).toEqual([
      ['2026-01-15T10:00:00Z', '6'],
      ['2026-01-15T10:05:00Z', '-2.5'],
    ]);
    // One-minute slices; the minute holding only "on" has a count and a newest value, no average.
    const m = (field: string) =>
      chart(feed, { start_time: '2026-01-15T10:00:00Z', end_time: '2026-01-15T10:02:00Z', resolution: '1', field }).data;
    expect(m('avg')).toEqual([['2026-01-15T10:00:00Z', '1.5']]);
    expect(m('val_count')).toEqual([
      ['2026-01-15T10:00:00Z', '2'],
      ['2026-01-15T10:01:00Z', '1'],
    ]);
    expect(m('val')).toEqual([
      ['2026-01-15T10:00:00Z', '2'],
      ['2026-01-15T10:01:00Z', 'on'],
    ]);
  });

  it('answers with the feed, the parameters used and the columns', () => {
    setup();
    const feed = feedOf('Outside Temp');
    write(feed, [[clock.ms - 10 * MIN, '20']]);
    expect(chart(feed, {})).toEqual({
      feed: { id: feed.id, key: 'outside-temp', name: 'Outside Temp' },
      parameters: { start_time: '2026-01-15T11:00:00Z', end_time: '2026-01-15T12:00:00Z', resolution: 1, hours: 1, field: 'avg' },
      columns: ['date', 'avg'],
      data: [['2026-01-15T11:50:00Z', '20']],
    });
    expect(chart(feed, { field: 'val_count', hours: '2' }).columns).toEqual(['date', 'val_count']);
  });

  it('matches a full scan for every field and resolution: unfolded, partly folded and fully folded', () => {
    setup();
    // Fewer points than the fold mark: everything is read raw.
    const small = feedOf('small');
    const fewPoints = write(
      small,
      Array.from({ length: FOLD_BACKLOG - 6 }, (_, i) => [T0 + i * 997_123, String((i % 17) - 4.25)] as [number, string]),
    ).map((r) => ({ id: r.id, t: r.createdAt, v: r.value }));
    expectAllMatch(small, fewPoints, WINDOWS);

    const feed = feedOf();
    const points = dataset(feed);
    expect(points.length).toBeGreaterThan(5 * FOLD_BACKLOG);
    expectAllMatch(feed, points, WINDOWS);
    t.core.data.chart.fold(feed.id);
    expectAllMatch(feed, points, WINDOWS);
  });

  it('does not count a number twice when a chart mixes rollups, edge minutes and unfolded points', () => {
    setup();
    const feed = feedOf();
    // 3 points a minute for 5 hours: folded except the last few; windows cut minutes and slots.
    const pts: Array<[number, string]> = [];
    for (let i = 0; i < 900; i++) pts.push([T0 + i * 20_000 + 1, String(i % 10)]);
    const points = write(feed, pts).map((r) => ({ id: r.id, t: r.createdAt, v: r.value }));
    expectAllMatch(feed, points, [
      [T0 + 30_000, T0 + 5 * HOUR - 30_000],
      [T0 + 7 * MIN + 20_001, T0 + 4 * HOUR + 59 * MIN + 40_001],
    ]);
  });
});

describe('slices', () => {
  it('are aligned to the epoch in UTC, not to the window or to days', () => {
    setup();
    const feed = feedOf();
    write(feed, [
      [at('2026-01-16T00:30:00Z'), '1'],
      [at('2026-01-16T07:59:59Z'), '2'],
      [at('2026-01-16T08:00:00Z'), '3'],
    ]);
    // 960 minutes = 16 h: boundaries fall at 2026-01-15T16:00Z and 2026-01-16T08:00Z.
    expect(
      chart(feed, { start_time: '2026-01-16T00:00:00Z', end_time: '2026-01-16T12:00:00Z', resolution: '960', field: 'sum' }).data,
    ).toEqual([
      ['2026-01-15T16:00:00Z', '3'],
      ['2026-01-16T08:00:00Z', '3'],
    ]);
    // A window starting inside a slice keeps the slice's own start time and only the points inside the window.
    expect(
      chart(feed, { start_time: '2026-01-16T07:59:30Z', end_time: '2026-01-16T09:00:00Z', resolution: '60', field: 'sum' }).data,
    ).toEqual([
      ['2026-01-16T07:00:00Z', '2'],
      ['2026-01-16T08:00:00Z', '3'],
    ]);
  });

  it('take both ends of the window inclusively, to the millisecond', () => {
    setup();
    const feed = feedOf();
    write(feed, [
      [at('2026-01-15T10:00:00.499Z'), '1'],
      [at('2026-01-15T10:00:00.500Z'), '2'],
      [at('2026-01-15T10:00:30.250Z'), '4'],
      [at('2026-01-15T10:00:30.251Z'), '8'],
    ]);
    const sum = chart(feed, {
      start_time: '2026-01-15T10:00:00.500Z',
      end_time: '2026-01-15T10:00:30.250Z',
      resolution: '1',
      field: 'sum',
    });
    expect(sum.data).toEqual([['2026-01-15T10:00:00Z', '6']]);
  });

  it('leave out empty slices and come oldest first', () => {
    setup();
    const feed = feedOf();
    write(feed, [
      [at('2026-01-15T09:59:00Z'), '5'],
      [at('2026-01-15T07:10:00Z'), '1'],
    ]);
    expect(chart(feed, { hours: '6', resolution: '60', field: 'val' }).data).toEqual([
      ['2026-01-15T07:00:00Z', '1'],
      ['2026-01-15T09:00:00Z', '5'],
    ]);
  });
});

describe('automatic resolution', () => {
  it('is the smallest that keeps the chart at or under 480 slices', () => {
    setup();
    const feed = feedOf();
    const res = (q: Record<string, string>) => chart(feed, q).parameters.resolution;
    expect(res({})).toBe(1);
    expect(res({ hours: '1' })).toBe(1);
    // 8 hours ending now at a whole minute touch 481 one-minute slices (both ends included).
    expect(res({ hours: '8' })).toBe(5);
    expect(res({ start_time: '2026-01-15T00:00:00Z', end_time: '2026-01-15T07:59:59Z' })).toBe(1);
    expect(res({ hours: '24' })).toBe(5);
    expect(res({ hours: '48' })).toBe(10);
    expect(res({ hours: '168' })).toBe(30);
    expect(res({ hours: '720' })).toBe(120);
    expect(res({ hours: '2000' })).toBe(480);
    // Past 480 slices of 960 minutes, 960 it is.
    expect(res({ hours: '10000' })).toBe(960);
    expect(autoResolution(0, 480 * 960 * MIN - 1)).toBe(960);
  });

  it('is exact on the boundary between two resolutions', () => {
    const w = 5 * MIN;
    // 480 five-minute slices, then one millisecond into a 481st.
    expect(autoResolution(1000 * w, 1480 * w - 1)).toBe(5);
    expect(autoResolution(1000 * w, 1480 * w)).toBe(10);
  });

  it('can be overridden, including with more than 480 slices', () => {
    setup();
    const feed = feedOf();
    const c = chart(feed, { hours: '24', resolution: '1' });
    expect(c.parameters.resolution).toBe(1);
  });
});

describe('the window', () => {
  it('is hours up to now by default, and both times when given (hours ignored)', () => {
    setup();
    const q = parseChartQuery({ hours: '3' }, clock.ms);
    expect([q.startMs, q.endMs, q.hours]).toEqual([clock.ms - 3 * HOUR, clock.ms, 3]);
    const both = parseChartQuery({ start_time: '2026-01-01T00:00:00Z', end_time: '2026-01-03T00:00:00Z', hours: '1' }, clock.ms);
    expect([both.startMs, both.endMs, both.hours]).toEqual([at('2026-01-01T00:00:00Z'), at('2026-01-03T00:00:00Z'), 48]);
    const fromStart = parseChartQuery({ start_time: '2026-01-15T10:00:00Z', hours: '1' }, clock.ms);
    expect([fromStart.startMs, fromStart.endMs]).toEqual([at('2026-01-15T10:00:00Z'), at('2026-01-15T11:00:00Z')]);
    const startOnly = parseChartQuery({ start_time: '2026-01-15T10:00:00Z' }, clock.ms);
    expect([startOnly.endMs, startOnly.hours]).toEqual([clock.ms, 2]);
    const endOnly = parseChartQuery({ end_time: '2026-01-15T10:00:00Z', hours: '2' }, clock.ms);
    expect([endOnly.startMs, endOnly.endMs]).toEqual([at('2026-01-15T08:00:00Z'), at('2026-01-15T10:00:00Z')]);
    // Rails' own spelling and Unix seconds are dates too.
    expect(parseChartQuery({ start_time: '2026-01-15 10:00:00 UTC', end_time: '1768478400' }, clock.ms).endMs).toBe(clock.ms);
  });

  it('follows the clock', () => {
    setup();
    const feed = feedOf();
    write(feed, [[clock.ms, '1']]);
    expect(chart(feed, { hours: '1' }).data).toHaveLength(1);
    clock.advance(2 * HOUR);
    expect(chart(feed, { hours: '1' }).data).toEqual([]);
  });
});

describe('raw', () => {
  it('returns the points of the window, oldest first', () => {
    setup();
    const feed = feedOf();
    write(feed, [
      [clock.ms - 30 * MIN, 'b'],
      [clock.ms - 90 * MIN, 'a'],
      [clock.ms - 10 * MIN, '3.5'],
    ]);
    for (const raw of ['1', 'true']) {
      const c = chart(feed, { raw });
      expect(c.columns).toEqual(['date', 'value']);
      expect(c.parameters.resolution).toBeNull();
      expect(c.data).toEqual([
        ['2026-01-15T11:30:00Z', 'b'],
        ['2026-01-15T11:50:00Z', '3.5'],
      ]);
    }
    expect(chart(feed, { raw: '0', field: 'val_count' }).data).toEqual([
      ['2026-01-15T11:30:00Z', '1'],
      ['2026-01-15T11:50:00Z', '1'],
    ]);
  });
});

describe('exactness after changes', () => {
  it('reflects updates, deletes and late writes, on folded and unfolded points alike', () => {
    setup();
    const feed = feedOf();
    const points = dataset(feed, 7);
    const r = rng(99);
    const check = () => expectAllMatch(feed, points, WINDOWS);

    // Updates: numbers to words, words to numbers, numbers to numbers; old (folded) and recent.
    for (let i = 0; i < 40; i++) {
      const p = points[Math.floor(r() * points.length)]!;
      p.v = valueFrom(r);
      t.core.data.update(t.alice.user, feed, p.id, { value: p.v });
    }
    // Deletes, including whole dense minutes.
    for (let i = 0; i < 40; i++) {
      const [p] = points.splice(Math.floor(r() * points.length), 1);
      t.core.data.delete(t.alice.user, feed, p!.id);
    }
    for (const p of points.filter((q) => Math.floor(q.t / MIN) === Math.floor(points[500]!.t / MIN))) {
      t.core.data.delete(t.alice.user, feed, p.id);
      points.splice(points.indexOf(p), 1);
    }
    // Late writes anywhere in the past, one at a time and in a batch.
    for (let i = 0; i < 30; i++) {
      const [row] = write(feed, [[T0 + Math.floor(r() * 3 * DAY), valueFrom(r)]]);
      points.push({ id: row!.id, t: row!.createdAt, v: row!.value });
    }
    const late = write(
      feed,
      Array.from({ length: 50 }, () => [T0 + Math.floor(r() * 3 * DAY), valueFrom(r)] as [number, string]),
    );
    points.push(...late.map((row) => ({ id: row.id, t: row.createdAt, v: row.value })));
    check();

    // A late point that is the newest of its minute becomes that minute's val; an older one does not.
    const target = points.find((p) => p.t > T0 + DAY)!;
    const minuteStart = Math.floor(target.t / MIN) * MIN;
    const inMinute = () => points.filter((p) => Math.floor(p.t / MIN) * MIN === minuteStart).sort((a, b) => a.t - b.t);
    const newest = inMinute().at(-1)!;
    if (newest.t < minuteStart + MIN - 1) {
      const [row] = write(feed, [[minuteStart + MIN - 1, 'latest']]);
      points.push({ id: row!.id, t: row!.createdAt, v: row!.value });
    }
    const q = { start_time: iso(minuteStart), end_time: iso(minuteStart + MIN - 1), resolution: '1', field: 'val' };
    expect(chart(feed, q).data).toEqual([[iso(minuteStart).replace('.000Z', 'Z'), inMinute().at(-1)!.v]]);

    // Everything folded, then more changes on folded points.
    t.core.data.chart.fold(feed.id);
    for (let i = 0; i < 10; i++) {
      const p = points[Math.floor(r() * points.length)]!;
      p.v = String(i);
      t.core.data.update(t.alice.user, feed, p.id, { value: p.v });
      const [gone] = points.splice(Math.floor(r() * points.length), 1);
      t.core.data.delete(t.alice.user, feed, gone!.id);
    }
    check();
  });

  it('a location-only update leaves the chart as it was', () => {
    setup();
    const feed = feedOf();
    const [row] = write(feed, [[clock.ms - MIN, '4']]);
    t.core.data.update(t.alice.user, feed, row!.id, { lat: 1, lon: 2 });
    expect(chart(feed, { field: 'sum' }).data).toEqual([['2026-01-15T11:59:00Z', '4']]);
  });

  it('reflects retention sweeps', () => {
    setup({ retentionDays: 2 });
    const feed = feedOf();
    const points = dataset(feed, 3);
    clock.ms = T0 + 3 * DAY + 12 * HOUR; // cutoff: T0 + 1.5 days, in the middle of a minute
    t.core.data.chart.fold(feed.id);
    const removed = t.core.data.sweep();
    const cutoff = clock.ms - 2 * DAY;
    const kept = points.filter((p) => p.t >= cutoff);
    expect(removed).toBe(points.length - kept.length);
    expectAllMatch(feed, kept, WINDOWS);
    // New points after a sweep still fold and chart right.
    const more = write(
      feed,
      Array.from({ length: FOLD_BACKLOG + 10 }, (_, i) => [T0 + 3 * DAY + i * 1000, String(i)] as [number, string]),
    ).map((r) => ({ id: r.id, t: r.createdAt, v: r.value }));
    expectAllMatch(feed, [...kept, ...more], [[T0, T0 + 4 * DAY]]);
  });

  it('a sweep that empties the feed empties the chart', () => {
    setup({ retentionDays: 1 });
    const feed = feedOf();
    dataset(feed, 5);
    clock.ms = T0 + 10 * DAY;
    t.core.data.sweep();
    expect(chart(feed, { start_time: iso(T0), end_time: iso(T0 + 4 * DAY), field: 'val_count' }).data).toEqual([]);
  });

  it('a feed without history charts only its newest point, also after it had history', () => {
    setup();
    const feed = feedOf();
    dataset(feed, 11);
    const off = t.core.feeds.update(t.alice.user, feed, { history: false });
    write(off, [[T0 + DAY, '42']]);
    write(off, [[T0 + DAY + 5 * MIN, '43']]);
    const c = (field: string) => chart(off, { start_time: iso(T0), end_time: iso(T0 + 3 * DAY), resolution: '5', field }).data;
    expect(c('val_count')).toEqual([['2026-01-13T00:05:00Z', '1']]);
    expect(c('val')).toEqual([['2026-01-13T00:05:00Z', '43']]);
  });

  it('a batch in one millisecond has its last point as the newest value', () => {
    setup();
    const feed = feedOf();
    write(feed, [
      [clock.ms - 1000, '1'],
      [clock.ms - 1000, '2'],
      [clock.ms - 1000, '3'],
    ]);
    expect(chart(feed, { field: 'val' }).data).toEqual([['2026-01-15T11:59:00Z', '3']]);
  });

  it('points written with the clock set back are still counted', () => {
    setup();
    const feed = feedOf();
    for (let i = 0; i < FOLD_BACKLOG + 5; i++) {
      clock.advance(1000);
      t.core.data.create(t.alice.user, feed, [{ value: '1' }]);
    }
    clock.ms -= 30 * MIN;
    t.core.data.create(t.alice.user, feed, [{ value: '100' }]);
    clock.ms += 60 * MIN;
    const c = chart(feed, { hours: '2', resolution: '960', field: 'sum' });
    expect(c.data.map(([, v]) => Number(v)).reduce((a, b) => a + b, 0)).toBe(FOLD_BACKLOG + 5 + 100);
  });

  it('leaves points dated in the future unfolded until their time, and counts them all along', () => {
    setup();
    const feed = feedOf();
    const db = t.db.$client;
    const folded = () => (db.prepare('SELECT folded_id AS w FROM chart_progress WHERE feed_id = ?').get(feed.id) as { w: string }).w;
    const future = write(feed, [[clock.ms + DAY, '1000']])[0]!;
    const pts: RefPoint[] = [{ id: future.id, t: future.createdAt, v: '1000' }];
    const now = () => Array.from({ length: FOLD_BACKLOG }, (_, i) => [clock.ms - HOUR + i * 1000, String(i % 9)] as [number, string]);
    for (const r of write(feed, now())) pts.push({ id: r.id, t: r.createdAt, v: r.value });
    expect(folded() < future.id).toBe(true);
    const window: Array<[number, number]> = [[clock.ms - 2 * HOUR, clock.ms + 2 * DAY]];
    expectAllMatch(feed, pts, window);
    clock.advance(2 * DAY);
    for (const r of write(feed, now())) pts.push({ id: r.id, t: r.createdAt, v: r.value });
    expect(folded() > future.id).toBe(true);
    expectAllMatch(feed, pts, [[clock.ms - 3 * DAY, clock.ms]]);
  });

  it('folds every FOLD_BACKLOG points, and deleting the feed deletes its rollups', () => {
    setup();
    const feed = feedOf();
    const db = t.db.$client;
    const progress = () =>
      db.prepare('SELECT folded_n AS n FROM chart_progress WHERE feed_id = ?').get(feed.id) as { n: number } | undefined;
    write(
      feed,
      Array.from({ length: FOLD_BACKLOG - 1 }, (_, i) => [T0 + i * MIN, '1'] as [number, string]),
    );
    expect(progress()).toBeUndefined();
    write(feed, [[T0 + DAY, '1']]);
    expect(progress()!.n).toBe(FOLD_BACKLOG);
    const blocks = () => (db.prepare('SELECT count(*) AS n FROM chart_blocks').get() as { n: number }).n;
    expect(blocks()).toBeGreaterThan(0);
    t.core.feeds.delete(t.alice.user, feed);
    expect(blocks()).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM chart_progress').get()).toEqual({ n: 0 });
  });

  it('keeps feeds apart', () => {
    setup();
    const a = feedOf('a');
    const b = feedOf('b');
    const pa = dataset(a, 21);
    write(b, [[T0 + HOUR, '1000']]);
    expectAllMatch(a, pa, [WINDOWS[0]!]);
    expect(chart(b, { start_time: iso(T0), end_time: iso(T0 + 3 * DAY), resolution: '960', field: 'sum' }).data).toEqual([
      ['2026-01-11T16:00:00Z', '1000'],
    ]);
  });
});

describe('numbers', () => {
  it('are decimal numbers, with an exponent or surrounding spaces; nothing else', () => {
    for (const [text, n] of [
      ['42', 42],
      ['-3.5', -3.5],
      ['+.5', 0.5],
      ['1e3', 1000],
      [' 7 ', 7],
      ['5.', 5],
    ] as const) {
      expect(numericValue(text), text).toBe(n);
    }
    for (const text of ['', ' ', 'on', '0x10', 'Infinity', 'NaN', '1e999', '12abc', '1,5', '{"value":1}', 'true']) {
      expect(numericValue(text), text).toBeNull();
    }
  });
});

describe('bad parameters', () => {
  const bad = (q: Record<string, string>, status = 422) => {
    let err: unknown;
    try {
      parseChartQuery(q, Date.now());
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(q)).toBeInstanceOf(AioError);
    expect((err as AioError).status).toBe(status);
    return (err as AioError).message;
  };

  it('are refused with 422 and say why', () => {
    expect(bad({ field: 'median' })).toMatch(/field must be one of avg, sum, val, min, max, val_count/);
    expect(bad({ resolution: '7' })).toMatch(/resolution must be one of 1, 5, 10, 30, 60, 120, 240, 480, 960/);
    bad({ resolution: 'hourly' });
    bad({ resolution: '60.0' });
    bad({ resolution: '-60' });
    expect(bad({ start_time: 'yesterday' })).toMatch(/start_time/);
    expect(bad({ end_time: '2026-13-45' })).toMatch(/end_time/);
    expect(bad({ start_time: '2026-01-02T00:00:00Z', end_time: '2026-01-01T00:00:00Z' })).toMatch(/before/);
    bad({ hours: '0' });
    bad({ hours: '-1' });
    bad({ hours: 'many' });
    bad({ raw: 'maybe' });
    expect(bad({ raw: '1', field: 'avg' })).toMatch(/raw cannot be combined/);
    bad({ raw: 'true', resolution: '5' });
  });

  it('blank ones count as absent', () => {
    const q = parseChartQuery({ field: '', resolution: '', hours: '', start_time: '', raw: '' }, at('2026-01-15T12:00:00Z'));
    expect([q.field, q.resolution, q.hours, q.raw]).toEqual(['avg', 1, 1, false]);
  });
});
