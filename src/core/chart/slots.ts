import type { BlockRow } from '../../db/chart-statements.js';

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
 * This file holds what the two sides share: spans, slots, blocks and their byte layout. Keeping the
 * rollups exact as points come and go (write-behind): rollups.ts. Reading a chart: read.ts. Its
 * parameters: query.ts.
 */

/** Rollup spans in minutes, coarsest first; each divides the one before it. */
export const ROLLUP_SPANS = [60, 5, 1] as const;
/** Slots per stored block; a multiple of every ratio between neighbouring spans (12, 5), so blocks nest. */
export const BLOCK_SLOTS = 60;
export const MINUTE = 60_000;

/**
 * A slot's numbers in a block's stats: little-endian float64 at these byte offsets from the slot's
 * start, `slot` counted from the block's first slot (the layout db/schema/chart.ts documents; stored
 * databases depend on it).
 */
export const AT = { slot: 0, n: 8, nn: 16, sum: 24, min: 32, max: 40 } as const;
/** Bytes per slot in a block's stats. */
export const SLOT_BYTES = 48;

const NUMBER_RE = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** The number a value stands for, or null when it is not a (finite) decimal number. */
export function numericValue(text: string): number | null {
  if (!NUMBER_RE.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** The smallest string above an id: `id < above(w)` means `id <= w`, `id >= above(w)` means `id > w`. */
export function above(id: string): string {
  return `${id}0`;
}

/** The lower of two id bounds. */
export const minId = (a: string, b: string) => (a < b ? a : b);
/** The higher of two id bounds. */
export const maxId = (a: string, b: string) => (a > b ? a : b);

/** The minute of a point; times before 1970 count into minute 0, as their ids do. */
export function minuteOf(createdAt: number): number {
  return Math.floor(Math.max(0, createdAt) / MINUTE);
}

export function blockOf(slot: number): number {
  return Math.floor(slot / BLOCK_SLOTS);
}

/** One slot's totals. `min`/`max` are NaN when the slot holds no numbers. */
export interface Slot {
  slot: number;
  n: number;
  nn: number;
  sum: number;
  min: number;
  max: number;
  last: string;
}

export function emptySlot(slot: number): Slot {
  return { slot, n: 0, nn: 0, sum: 0, min: NaN, max: NaN, last: '' };
}

/** Adds a point; points must come oldest first. */
export function addValue(s: Slot, value: string, num: number | null): void {
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
export function addSlot(a: Slot, b: Slot): void {
  a.n += b.n;
  a.nn += b.nn;
  a.sum += b.sum;
  if (!(b.min >= a.min)) a.min = Number.isNaN(b.min) ? a.min : b.min;
  if (!(b.max <= a.max)) a.max = Number.isNaN(b.max) ? a.max : b.max;
  a.last = b.last;
}

/** The number of the i-th slot stored in a block's stats; `base` is the block's first slot. */
export function slotNumber(stats: Buffer, i: number, base: number): number {
  return base + stats.readDoubleLE(i * SLOT_BYTES + AT.slot);
}

/** The slot whose numbers start at byte `o` of a block's stats. */
export function slotAt(stats: Buffer, o: number, base: number, last: string): Slot {
  return {
    slot: base + stats.readDoubleLE(o + AT.slot),
    n: stats.readDoubleLE(o + AT.n),
    nn: stats.readDoubleLE(o + AT.nn),
    sum: stats.readDoubleLE(o + AT.sum),
    min: stats.readDoubleLE(o + AT.min),
    max: stats.readDoubleLE(o + AT.max),
    last,
  };
}

/** Writes a slot's numbers at byte `o` of a block's stats; `base` is the block's first slot. */
export function writeSlotAt(stats: Buffer, o: number, base: number, s: Slot): void {
  stats.writeDoubleLE(s.slot - base, o + AT.slot);
  stats.writeDoubleLE(s.n, o + AT.n);
  stats.writeDoubleLE(s.nn, o + AT.nn);
  stats.writeDoubleLE(s.sum, o + AT.sum);
  stats.writeDoubleLE(s.min, o + AT.min);
  stats.writeDoubleLE(s.max, o + AT.max);
}

export function decodeBlock(block: number, row: BlockRow | undefined): Slot[] {
  if (!row) return [];
  const lasts = JSON.parse(row.lasts) as string[];
  return lasts.map((last, i) => slotAt(row.stats, i * SLOT_BYTES, block * BLOCK_SLOTS, last));
}

export function encodeStats(block: number, slots: Slot[]): Buffer {
  const stats = Buffer.allocUnsafe(slots.length * SLOT_BYTES);
  const base = block * BLOCK_SLOTS;
  for (let i = 0; i < slots.length; i++) writeSlotAt(stats, i * SLOT_BYTES, base, slots[i]!);
  return stats;
}
