import type { LayoutEntryInsert } from '../db/layouts.js';
import type { Ctx } from './context.js';
import { invalid } from './errors.js';
import { isNumericId } from './keys.js';
import type { BlockRow, DashboardRow } from './types.js';

/** The responsive breakpoints a dashboard keeps a layout for, widest first. */
export const BREAKPOINTS = ['xl', 'lg', 'md', 'sm', 'xs'] as const;
export type Breakpoint = (typeof BREAKPOINTS)[number];

/**
 * Grid columns of each breakpoint, used only to place new blocks (entries sent to update_layouts are
 * stored as given). Not published by Adafruit; read off the docs' layout samples (lg and xl fit a
 * 4- and an 8-wide block side by side and the Python tests use w 16 on lg; md and sm wrap them).
 */
export const LAYOUT_COLUMNS: Readonly<Record<Breakpoint, number>> = { xl: 16, lg: 16, md: 8, sm: 8, xs: 4 };
/** Smallest width and height of a layout entry. */
export const MIN_LAYOUT_SIZE = 2;

export interface LayoutEntry {
  x: number;
  y: number;
  w: number;
  h: number;
  i: string;
  z?: number;
}
export type Layouts = Record<Breakpoint, LayoutEntry[]>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The first spot, top to bottom then left to right, where a w×h block overlaps nothing. */
export function firstFree(taken: Rect[], cols: number, w: number, h: number): { x: number; y: number } {
  const bottom = taken.reduce((m, r) => Math.max(m, r.y + r.h), 0);
  for (let y = 0; y < bottom; y++) {
    for (let x = 0; x + w <= cols; x++) {
      const spot = { x, y, w, h };
      if (!taken.some((r) => overlaps(spot, r))) return { x, y };
    }
  }
  return { x: 0, y: bottom };
}

/** A whole number from a number or a numeric string, with `min`; `what` names it in the error. */
function layoutInt(v: unknown, what: string, min: number | undefined): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalid(`Validation failed: ${what} must be a whole number`);
  if (min !== undefined && n < min) throw invalid(`Validation failed: ${what} must be at least ${min}`);
  return n;
}

/**
 * A dashboard's layouts: one entry per block per breakpoint. Blocks place themselves here when they
 * are made; update_layouts replaces whole breakpoints. Apart from Blocks and Dashboards so that
 * neither has to import the other for it.
 */
export class DashboardLayouts {
  constructor(private readonly ctx: Ctx) {}

  /** Every breakpoint's entries, in the order they were given; a breakpoint with none is `[]`. */
  of(dashboard: DashboardRow): Layouts {
    const out: Layouts = { xl: [], lg: [], md: [], sm: [], xs: [] };
    for (const r of this.ctx.stores.layouts.of(dashboard.userId, dashboard.id)) {
      const entry: LayoutEntry = { x: r.x, y: r.y, w: r.w, h: r.h, i: String(r.blockId) };
      if (r.z !== null) entry.z = r.z;
      out[r.breakpoint as Breakpoint]?.push(entry);
    }
    return out;
  }

  /**
   * Adds a new block to every breakpoint's layout: at its own column/row when it gave one that fits,
   * otherwise at the first free position. Runs inside the caller's transaction.
   */
  place(dashboard: DashboardRow, block: Pick<BlockRow, 'id' | 'sizeX' | 'sizeY' | 'column' | 'row'>): void {
    const store = this.ctx.stores.layouts;
    for (const breakpoint of BREAKPOINTS) {
      const cols = LAYOUT_COLUMNS[breakpoint];
      const w = Math.min(Math.max(block.sizeX, MIN_LAYOUT_SIZE), cols);
      const h = Math.max(block.sizeY, MIN_LAYOUT_SIZE);
      const { boxes, lastPosition } = store.taken(dashboard.userId, dashboard.id, breakpoint);
      let spot: { x: number; y: number } | undefined;
      if (block.column !== null && block.row !== null && block.column + w <= cols) {
        const wanted = { x: block.column, y: block.row, w, h };
        if (dashboard.allowOverlap || !boxes.some((r) => overlaps(wanted, r))) spot = wanted;
      }
      spot ??= firstFree(boxes, cols, w, h);
      store.insert({
        userId: dashboard.userId,
        dashboardId: dashboard.id,
        blockId: block.id,
        breakpoint,
        position: (lastPosition ?? -1) + 1,
        x: spot.x,
        y: spot.y,
        w,
        h,
      });
    }
  }

  /**
   * `{"xl": [...], "lg": null, ...}`: each breakpoint given replaces that breakpoint's entries, null or
   * absent ones stay. Everything is checked before anything is written, so a bad entry changes nothing.
   */
  update(dashboard: DashboardRow, input: unknown): DashboardRow {
    if (!isPlainObject(input)) {
      throw invalid('Validation failed: layouts must be an object with breakpoint keys (xl, lg, md, sm, xs)');
    }
    const { stores } = this.ctx;
    const blockIds = new Set(stores.blocks.ids(dashboard.userId, dashboard.id));
    const replace = new Map<Breakpoint, LayoutEntryInsert[]>();
    for (const [name, entries] of Object.entries(input)) {
      if (!(BREAKPOINTS as readonly string[]).includes(name)) {
        throw invalid(`Validation failed: layouts.${name} is not a breakpoint (xl, lg, md, sm, xs)`);
      }
      if (entries === null || entries === undefined) continue;
      if (!Array.isArray(entries)) throw invalid(`Validation failed: layouts.${name} must be an array or null`);
      const seen = new Set<number>();
      const rows = entries.map((entry: unknown, position): LayoutEntryInsert => {
        const at = `layouts.${name}[${position}]`;
        if (!isPlainObject(entry)) throw invalid(`Validation failed: ${at} must be an object {i, x, y, w, h}`);
        const i = entry.i;
        const id = typeof i === 'number' ? i : typeof i === 'string' && isNumericId(i.trim()) ? Number(i.trim()) : NaN;
        if (!Number.isInteger(id) || !blockIds.has(id)) {
          throw invalid(`Validation failed: ${at}.i must be the id of a block on this dashboard, got ${JSON.stringify(i ?? null)}`);
        }
        if (seen.has(id)) throw invalid(`Validation failed: ${at}.i repeats block ${id}`);
        seen.add(id);
        const z = entry.z === undefined || entry.z === null ? null : layoutInt(entry.z, `${at}.z`, undefined);
        return {
          blockId: id,
          position,
          x: layoutInt(entry.x, `${at}.x`, 0),
          y: layoutInt(entry.y, `${at}.y`, 0),
          w: layoutInt(entry.w, `${at}.w`, MIN_LAYOUT_SIZE),
          h: layoutInt(entry.h, `${at}.h`, MIN_LAYOUT_SIZE),
          z,
        };
      });
      replace.set(name as Breakpoint, rows);
    }
    const updated = this.ctx.tx.run(() => {
      for (const [breakpoint, rows] of replace) stores.layouts.replace(dashboard.userId, dashboard.id, breakpoint, rows);
      return stores.dashboards.update(dashboard.userId, dashboard.id, { updatedAt: this.ctx.clock() });
    });
    this.ctx.events.emit('activity', { userId: dashboard.userId, action: 'update', model: 'Dashboard', record: updated });
    return updated;
  }
}
