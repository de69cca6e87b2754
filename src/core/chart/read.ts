import type { ChartStatements } from '../../db/chart-statements.js';
import { idTimeMs, timePrefix } from '../ids.js';
import type { FeedRow } from '../types.js';
import { isoSeconds } from '../values.js';
import type { ChartField, ChartQuery } from './query.js';
import { AT, BLOCK_SLOTS, MINUTE, ROLLUP_SPANS, SLOT_BYTES, above, blockOf, maxId, minId, minuteOf, numericValue } from './slots.js';

/**
 * Reading a chart: the rollups' slots where whole ones fit the window, raw points for the rest and
 * for the points not yet folded (how the rollups are laid out and kept: slots.ts, rollups.ts).
 */

/** A raw chart returns at most this many points (the newest of the window). */
export const MAX_RAW_POINTS = 10_000;

const DAY = 86_400_000;

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
    const count = stats.length / SLOT_BYTES;
    const values = lasts === undefined ? undefined : (JSON.parse(lasts) as string[]);
    for (let i = 0, o = 0; i < count; i++, o += SLOT_BYTES) {
      const slot = base + stats.readDoubleLE(o + AT.slot);
      if (slot < lo || slot >= hi) continue;
      const k = Math.floor(slot / per);
      switch (this.field) {
        case 'avg':
        case 'sum': {
          const nn = stats.readDoubleLE(o + AT.nn);
          if (nn > 0) this.add(k, nn, stats.readDoubleLE(o + AT.sum), '');
          break;
        }
        case 'min':
        case 'max': {
          const x = stats.readDoubleLE(o + (this.field === 'min' ? AT.min : AT.max));
          if (!Number.isNaN(x)) this.add(k, x, 0, '');
          break;
        }
        case 'val_count':
          this.add(k, stats.readDoubleLE(o + AT.n), 0, '');
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

const HH_MM = Array.from(
  { length: 1440 },
  (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}:00Z`,
);

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
  constructor(private readonly sql: ChartStatements) {}

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
      // One read transaction per chart: all its statements see the same snapshot.
      data: this.sql.read(() => (q.raw || resolution === null ? this.raw(feed, q) : this.slices(feed, q, resolution))),
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
          for (const [, value, createdAt] of this.sql.points.all(feed.id, timePrefix(seg.rawLo), minId(timePrefix(seg.rawHi), above(w)))) {
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
    for (const [, value, createdAt] of this.sql.points.all(feed.id, w === '' ? lo : maxId(lo, above(w)), timePrefix(end))) {
      acc.addPoint(Math.floor(minuteOf(createdAt) / resolution), value);
    }
    const iso = new MinuteIso();
    const sliceMs = resolution * MINUTE;
    const out: Array<[string, string]> = new Array(acc.k.length);
    for (let i = 0; i < acc.k.length; i++) out[i] = [iso.format(acc.k[i]! * sliceMs), acc.text(i)];
    return out;
  }
}
