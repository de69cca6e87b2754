import type { Database } from 'better-sqlite3';
import { ChartStatements, type BlockRow, type PointTuple, type RawPoint } from '../db/chart-statements.js';
import type { Clock } from './clock.js';
import type { Ctx } from './context.js';
import { invalid } from './errors.js';
import { idTimeMs, timePrefix } from './ids.js';
import type { FeedRow } from './types.js';
import { isoSeconds, requireTime } from './values.js';

/**
 * Charts (`GET .../data/chart`), whose cost grows with the number of slices, not of points.
 *
 * Rollups. Each feed's points are summed up per slot of 1, 5 and 60 minutes (count, count of
 * numbers, sum, minimum, maximum, newest value), 60 slots to a stored block (`chart_blocks`). A
 * chart reads, per slice, the slots of the coarsest span that divides its resolution (at most 16
 * per slice, for 960 minutes; 1 to 6 for the others), plus a few finer slots and at most two partial
 * minutes of raw points at the ends of the window, which keeps the window exact to the millisecond.
 * Three spans keep writes cheap; blocks keep reading many slots cheap.
 *
 * Write-behind. The rollups cover exactly the points with ids up to the feed's `folded_id`
 * (`chart_progress`). Inserting a point above it runs no statement at all; once a feed has
 * FOLD_BACKLOG unfolded points they are folded in as one batch, in the transaction of the insert
 * that reached the mark, rewriting a few blocks. (An upsert per point and span made a write 25-45%
 * dearer; a row per slot still cost 10-15% on a point-a-minute feed.) Charts add the unfolded
 * points from raw, so they are always exact and never write. Everything below `folded_id` is kept
 * exact at once, in the transaction of the change: a late point (created_at before the folded
 * mark) is added to its slots, and an update, delete or expiry rebuilds the affected minute from
 * its raw points and each coarser slot above it from the finer ones.
 */

export const CHART_RESOLUTIONS = [1, 5, 10, 30, 60, 120, 240, 480, 960] as const;
export const CHART_FIELDS = ['avg', 'sum', 'val', 'min', 'max', 'val_count'] as const;
export type ChartField = (typeof CHART_FIELDS)[number];
/** Without `resolution`, the smallest one whose chart has at most this many slices. */
export const MAX_AUTO_SLICES = 480;
/** A raw chart returns at most this many points (the newest of the window). */
export const MAX_RAW_POINTS = 10_000;
/** Unfolded points a feed may have before they are folded into the rollups. */
export const FOLD_BACKLOG = 256;
/** Rollup spans in minutes, coarsest first; each divides the one before it. */
export const ROLLUP_SPANS = [60, 5, 1] as const;
/** Slots per stored block; a multiple of every ratio between neighbouring spans (12, 5), so blocks nest. */
export const BLOCK_SLOTS = 60;

const MAX_HOURS = 1_000_000;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Float64 numbers per slot in a block's stats. */
const STRIDE = 6;

const min = (a: string, b: string) => (a < b ? a : b);
const max = (a: string, b: string) => (a > b ? a : b);

const NUMBER_RE = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** The number a value stands for, or null when it is not a (finite) decimal number. */
export function numericValue(text: string): number | null {
  if (!NUMBER_RE.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** The smallest string above an id: `id < above(w)` means `id <= w`, `id >= above(w)` means `id > w`. */
function above(id: string): string {
  return id + '0';
}

/** The minute of a point; times before 1970 count into minute 0, as their ids do. */
function minuteOf(createdAt: number): number {
  return Math.floor(Math.max(0, createdAt) / MINUTE);
}

// ---------------------------------------------------------------------------------------------
// Slots and blocks

/** One slot's totals. `min`/`max` are NaN when the slot holds no numbers. */
interface Slot {
  slot: number;
  n: number;
  nn: number;
  sum: number;
  min: number;
  max: number;
  last: string;
}

function emptySlot(slot: number): Slot {
  return { slot, n: 0, nn: 0, sum: 0, min: NaN, max: NaN, last: '' };
}

/** Adds a point; points must come oldest first. */
function addValue(s: Slot, value: string, num: number | null): void {
  s.n++;
  if (num !== null) {
    s.nn++;
    s.sum += num;
    if (!(num >= s.min)) s.min = num; // NaN-aware: true when min is NaN
    if (!(num <= s.max)) s.max = num;
  }
  s.last = value;
}

/** Adds a slot's totals; `b` must be newer than everything in `a`. */
function addSlot(a: Slot, b: Slot): void {
  a.n += b.n;
  a.nn += b.nn;
  a.sum += b.sum;
  if (!(b.min >= a.min)) a.min = Number.isNaN(b.min) ? a.min : b.min;
  if (!(b.max <= a.max)) a.max = Number.isNaN(b.max) ? a.max : b.max;
  a.last = b.last;
}

function blockOf(slot: number): number {
  return Math.floor(slot / BLOCK_SLOTS);
}

/** The slot whose numbers start at byte `o` of a block's stats. */
function slotAt(stats: Buffer, o: number, base: number, last: string): Slot {
  return {
    slot: base + stats.readDoubleLE(o),
    n: stats.readDoubleLE(o + 8),
    nn: stats.readDoubleLE(o + 16),
    sum: stats.readDoubleLE(o + 24),
    min: stats.readDoubleLE(o + 32),
    max: stats.readDoubleLE(o + 40),
    last,
  };
}

function decodeBlock(block: number, row: BlockRow | undefined): Slot[] {
  if (!row) return [];
  const lasts = JSON.parse(row.lasts) as string[];
  return lasts.map((last, i) => slotAt(row.stats, i * STRIDE * 8, block * BLOCK_SLOTS, last));
}

function encodeStats(block: number, slots: Slot[]): Buffer {
  const stats = Buffer.allocUnsafe(slots.length * STRIDE * 8);
  const base = block * BLOCK_SLOTS;
  slots.forEach((s, i) => {
    const o = i * STRIDE * 8;
    stats.writeDoubleLE(s.slot - base, o);
    stats.writeDoubleLE(s.n, o + 8);
    stats.writeDoubleLE(s.nn, o + 16);
    stats.writeDoubleLE(s.sum, o + 24);
    stats.writeDoubleLE(s.min, o + 32);
    stats.writeDoubleLE(s.max, o + 40);
  });
  return stats;
}

// ---------------------------------------------------------------------------------------------
// Write side

/** What the rollups need of a point. */
export type ChartPoint = Pick<RawPoint, 'id' | 'userId' | 'value' | 'createdAt'> & { feedId: number };

/**
 * What this process knows of a feed, so that an insert runs no statement: points created at or
 * after `notLateFrom` are above the folded mark, and `pending` counts points since the last fold.
 * Loaded from the database on first use. It may only err towards checking the database (after a
 * rolled-back fold `notLateFrom` is too high, which costs a read, never exactness), given that this
 * process is the only writer of its database, as the id factory also assumes.
 */
interface FeedHint {
  notLateFrom: number;
  pending: number;
}

/**
 * Keeps the rollups exact. Called by core/data.ts inside the transaction of every data write;
 * nothing here opens a transaction of its own.
 */
export class ChartRollups {
  private readonly sql: ChartStatements;
  private readonly hints = new Map<number, FeedHint>();

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.sql = new ChartStatements(db);
  }

  /** A point was inserted on a feed with history (after the feed's count was raised). */
  added(p: ChartPoint): void {
    let hint = this.hints.get(p.feedId);
    if (hint === undefined) hint = this.loadHint(p.feedId);
    else hint.pending++;
    if (p.createdAt < hint.notLateFrom) {
      const w = this.sql.foldedId.get(p.feedId)?.w;
      if (w !== undefined && p.id < w) {
        // A late point below the folded mark: counted in at once.
        this.addLate(p, w);
        this.sql.addFolded.run(1, p.feedId);
        hint.pending--;
        return;
      }
    }
    if (hint.pending >= FOLD_BACKLOG) this.fold(p.feedId);
  }

  private loadHint(feedId: number): FeedHint {
    const st = this.sql.state.get(feedId);
    const hint = {
      notLateFrom: st?.foldedId ? idTimeMs(st.foldedId) + 1 : -Infinity,
      pending: st ? st.dataCount - (st.foldedN ?? 0) : 0,
    };
    this.hints.set(feedId, hint);
    return hint;
  }

  /** The feed (history off) now holds only this point: the rollups start over. */
  reset(p: ChartPoint): void {
    if (this.sql.foldedId.get(p.feedId) === undefined) return;
    this.sql.dropFeed.run(p.feedId);
    this.sql.dropProgress.run(p.feedId);
  }

  /** A point's value changed. */
  updated(p: ChartPoint): void {
    const w = this.sql.foldedId.get(p.feedId)?.w;
    if (w !== undefined && p.id <= w) this.rebuild(p.feedId, p.userId, minuteOf(p.createdAt), w);
  }

  /** A point was deleted. */
  removed(p: ChartPoint): void {
    const w = this.sql.foldedId.get(p.feedId)?.w;
    if (w === undefined || p.id > w) return;
    this.rebuild(p.feedId, p.userId, minuteOf(p.createdAt), w);
    this.sql.addFolded.run(-1, p.feedId);
  }

  /**
   * The oldest points of the feed were removed (retention): slots older than the oldest point left
   * go, and that point's slots are rebuilt.
   */
  expired(feedId: number): void {
    const w = this.sql.foldedId.get(feedId)?.w;
    if (w === undefined) return;
    const oldest = this.sql.oldest.get(feedId);
    if (!oldest) {
      this.sql.dropFeed.run(feedId);
      this.sql.dropProgress.run(feedId);
      return;
    }
    const minute = minuteOf(oldest.createdAt);
    for (const span of ROLLUP_SPANS) {
      const first = Math.floor(minute / span);
      const block = blockOf(first);
      this.sql.dropBlocksBelow.run(feedId, span, block);
      const kept = decodeBlock(block, this.sql.block.get(feedId, span, block)).filter((s) => s.slot >= first);
      this.putSlots(feedId, oldest.userId, span, block, kept);
    }
    this.rebuild(feedId, oldest.userId, minute, w);
    const count = this.sql.state.get(feedId)?.dataCount ?? 0;
    this.sql.setFoldedN.run(count - this.sql.countAfter.get(feedId, w)!.n, feedId);
  }

  /**
   * Folds a feed's unfolded points now (normally done every FOLD_BACKLOG points). Points dated in
   * the future stay unfolded until their time comes: folding them would make every point written
   * before then a late one.
   */
  fold(feedId: number): void {
    const hint = this.hints.get(feedId);
    if (hint) hint.pending = 0;
    const st = this.sql.state.get(feedId);
    if (st === undefined) return;
    const w = st.foldedId ?? '';
    const points = this.sql.points.all(feedId, w === '' ? '' : above(w), timePrefix(this.clock() + 1));
    if (points.length === 0) return;
    const w2 = points[points.length - 1]![0];
    this.mergePoints(feedId, st.userId, points);
    this.sql.setProgress.run(feedId, st.userId, w2, st.dataCount - this.sql.countAfter.get(feedId, w2)!.n);
    if (hint) hint.notLateFrom = Math.max(hint.notLateFrom, idTimeMs(w2) + 1);
  }

  /** Adds points newer than everything folded (oldest first) into their slots of every span. */
  private mergePoints(feedId: number, userId: number, points: PointTuple[]): void {
    const minutes = points.map((p) => minuteOf(p[2]));
    const nums = points.map((p) => numericValue(p[1]));
    for (const span of ROLLUP_SPANS) {
      // The new points' slots, in order, then block by block into what is stored.
      const fresh: Slot[] = [];
      let cur: Slot | undefined;
      for (let i = 0; i < points.length; i++) {
        const slot = Math.floor(minutes[i]! / span);
        if (cur === undefined || cur.slot !== slot) fresh.push((cur = emptySlot(slot)));
        addValue(cur, points[i]![1], nums[i]!);
      }
      for (let i = 0; i < fresh.length; ) {
        const block = blockOf(fresh[i]!.slot);
        let j = i;
        while (j < fresh.length && blockOf(fresh[j]!.slot) === block) j++;
        this.appendSlots(feedId, userId, span, block, fresh.slice(i, j));
        i = j;
      }
    }
  }

  /**
   * Adds slots of newer points to a block. Newer points never fall before the block's last slot, so
   * the stored numbers are extended rather than decoded, the last slot merged in place if shared.
   */
  private appendSlots(feedId: number, userId: number, span: number, block: number, fresh: Slot[]): void {
    const row = this.sql.block.get(feedId, span, block);
    if (!row) return this.putSlots(feedId, userId, span, block, fresh, false);
    const base = block * BLOCK_SLOTS;
    const tail = row.stats.length - STRIDE * 8;
    const lastSlot = base + row.stats.readDoubleLE(tail);
    if (fresh[0]!.slot < lastSlot) {
      // Not expected (ids follow time), but stay exact whatever comes.
      const merged = decodeBlock(block, row);
      for (const f of fresh) {
        const at = merged.find((x) => x.slot === f.slot);
        if (at) addSlot(at, f);
        else merged.push(f);
      }
      merged.sort((a, b) => a.slot - b.slot);
      return this.putSlots(feedId, userId, span, block, merged);
    }
    const lasts = JSON.parse(row.lasts) as string[];
    let stats = row.stats;
    let rest = fresh;
    if (fresh[0]!.slot === lastSlot) {
      const shared = slotAt(row.stats, tail, base, lasts[lasts.length - 1]!);
      addSlot(shared, fresh[0]!);
      stats = row.stats.subarray(0, tail);
      lasts.pop();
      rest = [shared, ...fresh.slice(1)];
    }
    for (const f of rest) lasts.push(f.last);
    this.sql.updateBlock.run(Buffer.concat([stats, encodeStats(block, rest)]), JSON.stringify(lasts), feedId, span, block);
  }

  /**
   * Recomputes one minute from its folded points, then each coarser slot above it from the finer
   * slots under it (which share a block with it, as blocks are aligned).
   */
  private rebuild(feedId: number, userId: number, minute: number, w: string): void {
    let s: Slot = emptySlot(minute);
    const hi = timePrefix((minute + 1) * MINUTE);
    for (const [, value] of this.sql.points.all(feedId, timePrefix(minute * MINUTE), min(hi, above(w)))) {
      addValue(s, value, numericValue(value));
    }
    let finer = this.setSlot(feedId, userId, 1, s);
    for (let i = ROLLUP_SPANS.length - 2; i >= 0; i--) {
      const span = ROLLUP_SPANS[i]!;
      const ratio = span / ROLLUP_SPANS[i + 1]!;
      s = emptySlot(Math.floor(minute / span));
      for (const c of finer) if (Math.floor(c.slot / ratio) === s.slot) addSlot(s, c);
      finer = this.setSlot(feedId, userId, span, s);
    }
  }

  /** Replaces one slot (an empty slot is removed); returns its block's slots. */
  private setSlot(feedId: number, userId: number, span: number, s: Slot): Slot[] {
    const block = blockOf(s.slot);
    const slots = decodeBlock(block, this.sql.block.get(feedId, span, block)).filter((x) => x.slot !== s.slot);
    if (s.n > 0) {
      slots.push(s);
      slots.sort((a, b) => a.slot - b.slot);
    }
    this.putSlots(feedId, userId, span, block, slots);
    return slots;
  }

  /**
   * Adds one late point to its slot of every span, editing the stored numbers in place. It is the
   * slot's newest value unless the next folded point falls in the same slot.
   */
  private addLate(p: ChartPoint, w: string): void {
    const minute = minuteOf(p.createdAt);
    const next = this.sql.nextPoint.get(p.feedId, p.id, above(w));
    const nextMinute = next === undefined ? Infinity : minuteOf(next[1]);
    const num = numericValue(p.value);
    for (const span of ROLLUP_SPANS) {
      const slot = Math.floor(minute / span);
      const newest = Math.floor(nextMinute / span) !== slot;
      const block = blockOf(slot);
      const row = this.sql.block.get(p.feedId, span, block);
      const base = block * BLOCK_SLOTS;
      let i = 0;
      const count = row ? row.stats.length / (STRIDE * 8) : 0;
      while (i < count && base + row!.stats.readDoubleLE(i * STRIDE * 8) < slot) i++;
      if (row && i < count && base + row.stats.readDoubleLE(i * STRIDE * 8) === slot) {
        const s = slotAt(row.stats, i * STRIDE * 8, base, '');
        addValue(s, p.value, num);
        const stats = Buffer.from(row.stats);
        encodeStats(block, [s]).copy(stats, i * STRIDE * 8);
        let lasts = row.lasts;
        if (newest) {
          const values = JSON.parse(lasts) as string[];
          values[i] = p.value;
          lasts = JSON.stringify(values);
        }
        this.sql.updateBlock.run(stats, lasts, p.feedId, span, block);
        continue;
      }
      // The slot had no folded point: the point is its only one.
      const fresh = emptySlot(slot);
      addValue(fresh, p.value, num);
      const slots = decodeBlock(block, row);
      slots.splice(i, 0, fresh);
      this.putSlots(p.feedId, p.userId, span, block, slots, row !== undefined);
    }
  }

  private putSlots(feedId: number, userId: number, span: number, block: number, slots: Slot[], exists = true): void {
    if (slots.length === 0) {
      this.sql.dropBlock.run(feedId, span, block);
      return;
    }
    const stats = encodeStats(block, slots);
    const lasts = JSON.stringify(slots.map((s) => s.last));
    // UPDATE when the block exists: far cheaper than INSERT OR REPLACE (a delete and an insert).
    if (exists && this.sql.updateBlock.run(stats, lasts, feedId, span, block).changes > 0) return;
    this.sql.putBlock.run(feedId, userId, span, block, stats, lasts);
  }
}

// ---------------------------------------------------------------------------------------------
// Parameters

export interface ChartQuery {
  /** The window, both ends included, in ms. */
  startMs: number;
  endMs: number;
  /** The hours reported back: as given, or the window's length when it was given by its times. */
  hours: number;
  /** Minutes per slice; null for a raw chart. */
  resolution: number | null;
  field: ChartField;
  raw: boolean;
}

function present(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function parseRaw(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  throw invalid(`raw must be 1 or true (or 0 or false), got "${v}"`);
}

function parseHours(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0 && n <= MAX_HOURS)) throw invalid(`hours must be a positive number of hours (at most ${MAX_HOURS}), got "${v}"`);
  return n;
}

/** How many resolution-aligned slices the window [startMs, endMs] touches. */
export function sliceCount(startMs: number, endMs: number, resolution: number): number {
  const w = resolution * MINUTE;
  return Math.floor(Math.max(0, endMs) / w) - Math.floor(Math.max(0, startMs) / w) + 1;
}

/** The smallest allowed resolution whose chart of the window has at most MAX_AUTO_SLICES slices. */
export function autoResolution(startMs: number, endMs: number): number {
  for (const r of CHART_RESOLUTIONS) if (sliceCount(startMs, endMs, r) <= MAX_AUTO_SLICES) return r;
  return CHART_RESOLUTIONS[CHART_RESOLUTIONS.length - 1];
}

/**
 * Reads the chart's query parameters. Both times: that window (`hours` ignored). Only start_time:
 * `hours` from it, or up to now without hours. Only end_time: `hours` (default 1) up to it.
 * Neither: `hours` (default 1) up to now.
 */
export function parseChartQuery(q: Record<string, string | undefined>, nowMs: number): ChartQuery {
  const raw = parseRaw(present(q.raw));
  const fieldText = present(q.field);
  const resolutionText = present(q.resolution);
  if (raw && (fieldText !== undefined || resolutionText !== undefined)) {
    throw invalid('raw cannot be combined with field or resolution');
  }
  if (fieldText !== undefined && !(CHART_FIELDS as readonly string[]).includes(fieldText)) {
    throw invalid(`field must be one of ${CHART_FIELDS.join(', ')}, got "${fieldText}"`);
  }
  const field = (fieldText ?? 'avg') as ChartField;
  let resolution: number | undefined;
  if (resolutionText !== undefined) {
    resolution = /^\d+$/.test(resolutionText) ? Number(resolutionText) : NaN;
    if (!(CHART_RESOLUTIONS as readonly number[]).includes(resolution)) {
      throw invalid(`resolution must be one of ${CHART_RESOLUTIONS.join(', ')} (minutes), got "${resolutionText}"`);
    }
  }
  const givenHours = parseHours(present(q.hours));
  const startText = present(q.start_time);
  const endText = present(q.end_time);
  const start = startText === undefined ? undefined : requireTime(startText, 'start_time');
  const end = endText === undefined ? undefined : requireTime(endText, 'end_time');
  const spanMs = (givenHours ?? 1) * 3_600_000;
  let startMs: number;
  let endMs: number;
  let byTimes = false;
  if (start !== undefined && end !== undefined) {
    [startMs, endMs, byTimes] = [start, end, true];
  } else if (start !== undefined) {
    startMs = start;
    byTimes = givenHours === undefined;
    endMs = byTimes ? nowMs : start + spanMs;
  } else {
    endMs = end ?? nowMs;
    startMs = endMs - spanMs;
  }
  startMs = Math.round(startMs);
  endMs = Math.round(endMs);
  if (endMs < startMs) throw invalid('end_time must not be before start_time');
  return {
    startMs,
    endMs,
    hours: byTimes ? (endMs - startMs) / 3_600_000 : (givenHours ?? 1),
    resolution: raw ? null : (resolution ?? autoResolution(startMs, endMs)),
    field,
    raw,
  };
}

// ---------------------------------------------------------------------------------------------
// Read side

export interface ChartResult {
  feed: { id: number; key: string; name: string };
  parameters: { start_time: string; end_time: string; resolution: number | null; hours: number; field: string };
  columns: [string, string];
  data: Array<[string, string]>;
}

type Segment = { span: number; lo: number; hi: number } | { rawLo: number; rawHi: number };

/**
 * Covers the window [a, b) with runs of whole slots, coarsest span first, and leaves the partial
 * minutes at the ends as raw ranges. Segments come out in time order.
 */
function plan(a: number, b: number, spans: readonly number[], out: Segment[] = []): Segment[] {
  if (a >= b) return out;
  if (spans.length === 0) {
    out.push({ rawLo: a, rawHi: b });
    return out;
  }
  const w = spans[0]! * MINUTE;
  const lo = Math.ceil(a / w);
  const hi = Math.floor(b / w);
  if (lo >= hi) return plan(a, b, spans.slice(1), out);
  plan(a, lo * w, spans.slice(1), out);
  out.push({ span: spans[0]!, lo, hi });
  return plan(hi * w, b, spans.slice(1), out);
}

/**
 * Slices being summed up, oldest first, as parallel columns. Parts must arrive in time order, so a
 * part either extends the last slice or starts the next. `a`/`b`: count of numbers and sum (avg,
 * sum), or minimum, maximum or count; `v`: newest value (val).
 */
class Slices {
  readonly k: number[] = [];
  readonly a: number[] = [];
  readonly b: number[] = [];
  readonly v: string[] = [];

  constructor(private readonly field: ChartField) {}

  add(k: number, a: number, b: number, v: string): void {
    const i = this.k.length - 1;
    if (i < 0 || this.k[i] !== k) {
      this.k.push(k);
      this.a.push(a);
      this.b.push(b);
      this.v.push(v);
      return;
    }
    switch (this.field) {
      case 'avg':
      case 'sum':
        this.a[i]! += a;
        this.b[i]! += b;
        break;
      case 'val_count':
        this.a[i]! += a;
        break;
      case 'min':
        if (a < this.a[i]!) this.a[i] = a;
        break;
      case 'max':
        if (a > this.a[i]!) this.a[i] = a;
        break;
      case 'val':
        this.v[i] = v;
        break;
    }
  }

  /** A raw point; points that do not count for the field are skipped. */
  addPoint(k: number, value: string): void {
    if (this.field === 'val') return this.add(k, 1, 0, value);
    if (this.field === 'val_count') return this.add(k, 1, 0, '');
    const num = numericValue(value);
    if (num === null) return;
    if (this.field === 'avg' || this.field === 'sum') this.add(k, 1, num, '');
    else this.add(k, num, 0, '');
  }

  /**
   * The slots of a stored block that lie in [lo, hi), `per` slots to a slice. Reads only the
   * numbers the field needs.
   */
  addBlock(block: number, stats: Buffer, lasts: string | undefined, lo: number, hi: number, per: number): void {
    const base = block * BLOCK_SLOTS;
    const count = stats.length / (STRIDE * 8);
    const values = lasts === undefined ? undefined : (JSON.parse(lasts) as string[]);
    for (let i = 0, o = 0; i < count; i++, o += STRIDE * 8) {
      const slot = base + stats.readDoubleLE(o);
      if (slot < lo || slot >= hi) continue;
      const k = Math.floor(slot / per);
      switch (this.field) {
        case 'avg':
        case 'sum': {
          const nn = stats.readDoubleLE(o + 16);
          if (nn > 0) this.add(k, nn, stats.readDoubleLE(o + 24), '');
          break;
        }
        case 'min':
        case 'max': {
          const x = stats.readDoubleLE(o + (this.field === 'min' ? 32 : 40));
          if (!Number.isNaN(x)) this.add(k, x, 0, '');
          break;
        }
        case 'val_count':
          this.add(k, stats.readDoubleLE(o + 8), 0, '');
          break;
        case 'val':
          this.add(k, 1, 0, values![i]!);
          break;
      }
    }
  }

  text(i: number): string {
    switch (this.field) {
      case 'avg':
        return String(this.b[i]! / this.a[i]!);
      case 'sum':
        return String(this.b[i]!);
      case 'val':
        return this.v[i]!;
      default:
        return String(this.a[i]!);
    }
  }
}

const HH_MM = Array.from({ length: 1440 }, (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00Z`);

/** ISO-8601 for minute-aligned times, building each day's date part once. */
class MinuteIso {
  private day = NaN;
  private prefix = '';

  format(ms: number): string {
    const day = Math.floor(ms / DAY);
    if (day !== this.day) {
      this.day = day;
      this.prefix = new Date(day * DAY).toISOString().slice(0, 11);
    }
    return this.prefix + HH_MM[(ms - day * DAY) / MINUTE]!;
  }
}

export class Chart {
  private readonly sql: ChartStatements;
  private readonly read: <T>(fn: () => T) => T;

  constructor(ctx: Ctx) {
    const db = ctx.db.$client;
    this.sql = new ChartStatements(db);
    // One read transaction per chart: all its statements see the same snapshot.
    this.read = (fn) => db.transaction(fn).deferred();
  }

  chart(feed: FeedRow, q: ChartQuery): ChartResult {
    const column = q.raw ? 'value' : q.field;
    const resolution = q.resolution;
    return {
      feed: { id: feed.id, key: feed.key, name: feed.name },
      parameters: {
        start_time: isoSeconds(q.startMs),
        end_time: isoSeconds(q.endMs),
        resolution,
        hours: q.hours,
        field: column,
      },
      columns: ['date', column],
      data: this.read(() => (q.raw || resolution === null ? this.raw(feed, q) : this.slices(feed, q, resolution))),
    };
  }

  /** The newest points of the window (at most MAX_RAW_POINTS), oldest first. */
  private raw(feed: FeedRow, q: ChartQuery): Array<[string, string]> {
    const start = Math.max(0, q.startMs);
    const end = q.endMs + 1;
    if (end <= start) return [];
    const points = this.sql.newestPoints.all(feed.id, timePrefix(start), timePrefix(end), MAX_RAW_POINTS);
    const out: Array<[string, string]> = new Array(points.length);
    for (let i = 0; i < points.length; i++) {
      const p = points[points.length - 1 - i]!;
      out[i] = [isoSeconds(p.createdAt), p.value];
    }
    return out;
  }

  private slices(feed: FeedRow, q: ChartQuery, resolution: number): Array<[string, string]> {
    const start = Math.max(0, q.startMs);
    const end = q.endMs + 1; // exclusive
    if (end <= start) return [];
    const acc = new Slices(q.field);
    const w = this.sql.foldedId.get(feed.id)?.w ?? '';
    if (w !== '') {
      // Folded points: rollups, with raw points for the partial minutes at the ends. Nothing folded
      // lies after the folded mark's minute.
      const foldedEnd = Math.min(end, (minuteOf(idTimeMs(w)) + 1) * MINUTE);
      const spans = ROLLUP_SPANS.filter((s) => resolution % s === 0);
      for (const seg of plan(start, foldedEnd, spans)) {
        if ('rawLo' in seg) {
          for (const [, value, createdAt] of this.sql.points.all(feed.id, timePrefix(seg.rawLo), min(timePrefix(seg.rawHi), above(w)))) {
            acc.addPoint(Math.floor(minuteOf(createdAt) / resolution), value);
          }
          continue;
        }
        const per = resolution / seg.span;
        const args = [feed.id, seg.span, blockOf(seg.lo), blockOf(seg.hi - 1) + 1] as const;
        if (q.field === 'val') {
          for (const [block, stats, lasts] of this.sql.statsAndLasts.all(...args)) acc.addBlock(block, stats, lasts, seg.lo, seg.hi, per);
        } else {
          for (const [block, stats] of this.sql.stats.all(...args)) acc.addBlock(block, stats, undefined, seg.lo, seg.hi, per);
        }
      }
    }
    // Unfolded points (fewer than FOLD_BACKLOG), all newer than every folded one.
    const lo = timePrefix(start);
    for (const [, value, createdAt] of this.sql.points.all(feed.id, w === '' ? lo : max(lo, above(w)), timePrefix(end))) {
      acc.addPoint(Math.floor(minuteOf(createdAt) / resolution), value);
    }
    const iso = new MinuteIso();
    const sliceMs = resolution * MINUTE;
    const out: Array<[string, string]> = new Array(acc.k.length);
    for (let i = 0; i < acc.k.length; i++) out[i] = [iso.format(acc.k[i]! * sliceMs), acc.text(i)];
    return out;
  }
}
