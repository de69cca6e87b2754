import { and, asc, eq, max } from 'drizzle-orm';
import type { LayoutRow } from '../core/types.js';
import type { Db } from './open.js';
import { layouts } from './schema.js';

export type LayoutInsert = typeof layouts.$inferInsert;
/** An entry of a known dashboard and breakpoint. */
export type LayoutEntryInsert = Omit<LayoutInsert, 'id' | 'userId' | 'dashboardId' | 'breakpoint'>;

/** A box taken on a breakpoint's grid. */
export interface LayoutBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The layout entries of dashboards: one per block per breakpoint, in the order they were given
 * (`position`). Scoped by the dashboard's owner; placement and validation rules are core/layouts.ts.
 */
export class LayoutStore {
  constructor(private readonly db: Db) {}

  /** Every entry of the dashboard, by breakpoint, then in order. */
  of(userId: number, dashboardId: number): LayoutRow[] {
    return this.db
      .select()
      .from(layouts)
      .where(and(eq(layouts.userId, userId), eq(layouts.dashboardId, dashboardId)))
      .orderBy(asc(layouts.breakpoint), asc(layouts.position))
      .all();
  }

  /** The boxes of one breakpoint and the last position used there (null when it has none). */
  taken(userId: number, dashboardId: number, breakpoint: string): { boxes: LayoutBox[]; lastPosition: number | null } {
    const where = this.where(userId, dashboardId, breakpoint);
    const boxes = this.db.select({ x: layouts.x, y: layouts.y, w: layouts.w, h: layouts.h }).from(layouts).where(where).all();
    const last = this.db
      .select({ p: max(layouts.position) })
      .from(layouts)
      .where(where)
      .get();
    return { boxes, lastPosition: last?.p ?? null };
  }

  insert(row: LayoutInsert): void {
    this.db.insert(layouts).values(row).run();
  }

  /** Replaces one breakpoint's entries with `rows`; the caller holds the transaction. */
  replace(userId: number, dashboardId: number, breakpoint: string, rows: LayoutEntryInsert[]): void {
    this.db
      .delete(layouts)
      .where(this.where(userId, dashboardId, breakpoint))
      .run();
    if (rows.length > 0)
      this.db
        .insert(layouts)
        .values(rows.map((r) => ({ ...r, userId, dashboardId, breakpoint })))
        .run();
  }

  private where(userId: number, dashboardId: number, breakpoint: string) {
    return and(eq(layouts.userId, userId), eq(layouts.dashboardId, dashboardId), eq(layouts.breakpoint, breakpoint));
  }
}
