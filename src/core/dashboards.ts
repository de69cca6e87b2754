import { and, asc, eq, inArray, max, sql, type InferSelectModel } from 'drizzle-orm';
import type { Db } from '../db/open.js';
import { blocks, dashboards, layouts } from '../db/schema.js';
import type { BlockJson, Blocks } from './blocks.js';
import { assertRoom } from './account-limits.js';
import type { Ctx } from './context.js';
import { invalid, notFound } from './errors.js';
import type { Fields } from './feeds.js';
import { MAX_NAME, findByIdent, isNumericId, keyFromName, uniqueKey, validateKey } from './keys.js';
import type { UserRow } from './types.js';
import { isoSeconds, toBool, toText, toVisibility } from './values.js';

export type DashboardRow = InferSelectModel<typeof dashboards>;

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

const COLOR_MODES = new Set(['dark', 'light']);

export function dashboardNotFound(ident: string, username: string) {
  return notFound(
    `not found - You are not permitted to access the dashboard with key '${ident}' belonging to ${username} or the dashboard does not exist.`,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function dashboardName(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalid("Validation failed: Name can't be blank");
  const name = v.trim();
  if (name.length > MAX_NAME) throw invalid(`Validation failed: Name is too long (maximum is ${MAX_NAME} characters)`);
  return name;
}

/** The settable dashboard fields other than name and key; absent and null fields are left out. */
function dashboardAttrs(input: Fields) {
  const attrs: Partial<typeof dashboards.$inferInsert> = {};
  const description = toText(input.description, 'Description');
  if (description !== undefined) attrs.description = description;
  const visibility = toVisibility(input.visibility);
  if (visibility !== undefined) attrs.visibility = visibility;
  const showHeader = toBool(input.show_header, 'Show header');
  if (showHeader !== undefined) attrs.showHeader = showHeader;
  const blockBorders = toBool(input.block_borders, 'Block borders');
  if (blockBorders !== undefined) attrs.blockBorders = blockBorders;
  const allowOverlap = toBool(input.allow_overlap, 'Allow overlap');
  if (allowOverlap !== undefined) attrs.allowOverlap = allowOverlap;
  const headerImageUrl = toText(input.header_image_url, 'Header image url');
  if (headerImageUrl !== undefined) attrs.headerImageUrl = headerImageUrl;
  if (input.color_mode !== undefined && input.color_mode !== null && input.color_mode !== '') {
    const mode = typeof input.color_mode === 'string' ? input.color_mode.trim().toLowerCase() : '';
    if (!COLOR_MODES.has(mode)) throw invalid('Validation failed: Color mode must be "dark" or "light"');
    attrs.colorMode = mode;
  }
  return attrs;
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

/**
 * Adds a new block to every breakpoint's layout: at its own column/row when it gave one that fits,
 * otherwise at the first free position. Runs inside the caller's transaction.
 */
export function placeBlock(
  db: Db,
  dashboard: DashboardRow,
  block: { id: number; sizeX: number; sizeY: number; column: number | null; row: number | null },
): void {
  for (const breakpoint of BREAKPOINTS) {
    const cols = LAYOUT_COLUMNS[breakpoint];
    const w = Math.min(Math.max(block.sizeX, MIN_LAYOUT_SIZE), cols);
    const h = Math.max(block.sizeY, MIN_LAYOUT_SIZE);
    const where = and(eq(layouts.dashboardId, dashboard.id), eq(layouts.breakpoint, breakpoint));
    const taken = db.select({ x: layouts.x, y: layouts.y, w: layouts.w, h: layouts.h }).from(layouts).where(where).all();
    let spot: { x: number; y: number } | undefined;
    if (block.column !== null && block.row !== null && block.column + w <= cols) {
      const wanted = { x: block.column, y: block.row, w, h };
      if (dashboard.allowOverlap || !taken.some((r) => overlaps(wanted, r))) spot = wanted;
    }
    spot ??= firstFree(taken, cols, w, h);
    const last = db.select({ p: max(layouts.position) }).from(layouts).where(where).get();
    db.insert(layouts)
      .values({
        userId: dashboard.userId,
        dashboardId: dashboard.id,
        blockId: block.id,
        breakpoint,
        position: (last?.p ?? -1) + 1,
        x: spot.x,
        y: spot.y,
        w,
        h,
      })
      .run();
  }
}

/** A whole number from a number or a numeric string, with `min`; `what` names it in the error. */
function layoutInt(v: unknown, what: string, min: number | undefined): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalid(`Validation failed: ${what} must be a whole number`);
  if (min !== undefined && n < min) throw invalid(`Validation failed: ${what} must be at least ${min}`);
  return n;
}

type LayoutInsert = Omit<typeof layouts.$inferInsert, 'userId' | 'dashboardId' | 'breakpoint'>;

export class Dashboards {
  private readonly byKey;
  private readonly byId;
  private readonly byName;

  constructor(
    private readonly ctx: Ctx,
    private readonly blocks: Blocks,
  ) {
    const scoped = (col: typeof dashboards.key | typeof dashboards.id | typeof dashboards.name, name: string) =>
      ctx.db
        .select()
        .from(dashboards)
        .where(and(eq(dashboards.userId, sql.placeholder('userId')), eq(col, sql.placeholder(name))))
        .prepare();
    this.byKey = scoped(dashboards.key, 'key');
    this.byId = scoped(dashboards.id, 'id');
    this.byName = scoped(dashboards.name, 'name');
  }

  list(user: UserRow): DashboardRow[] {
    return this.ctx.db.select().from(dashboards).where(eq(dashboards.userId, user.id)).orderBy(asc(dashboards.id)).all();
  }

  /** A dashboard by key (any case), numeric id, or exact name. */
  find(user: UserRow, ident: string): DashboardRow | undefined {
    const userId = user.id;
    return findByIdent(ident, {
      key: (key) => this.byKey.get({ userId, key }),
      id: (id) => this.byId.get({ userId, id }),
      name: (name) => this.byName.get({ userId, name }),
    });
  }

  resolve(user: UserRow, ident: string): DashboardRow {
    const dashboard = this.find(user, ident);
    if (!dashboard) throw dashboardNotFound(ident, user.username);
    return dashboard;
  }

  create(user: UserRow, input: Fields): DashboardRow {
    const name = dashboardName(input.name);
    const attrs = dashboardAttrs(input);
    const taken = (k: string) => !!this.byKey.get({ userId: user.id, key: k });
    let key: string;
    if (input.key !== undefined && input.key !== null && input.key !== '') {
      key = validateKey(input.key);
      if (taken(key)) throw invalid('Validation failed: Key has already been taken');
    } else {
      const base = keyFromName(name);
      if (!base) throw invalid('Validation failed: Key can not be made from that name; send a key');
      key = uniqueKey(base, taken);
    }
    assertRoom(this.ctx, user, 'dashboards');
    const now = this.ctx.clock();
    const created = this.ctx.tx.run(() => {
      const row = this.ctx.db
        .insert(dashboards)
        .values({ ...attrs, userId: user.id, key, name, createdAt: now, updatedAt: now })
        .returning()
        .get();
      // A public dashboard has its public read permission (core/permissions.ts).
      if (attrs.visibility === 'public') this.ctx.stores.permissions.syncPublic(user.id, { model: 'dashboard', id: row.id }, 'public', now);
      return row;
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'create', model: 'Dashboard', record: created });
    return created;
  }

  /** Changes only the fields sent. */
  update(user: UserRow, dashboard: DashboardRow, input: Fields): DashboardRow {
    const attrs = dashboardAttrs(input);
    if (input.name !== undefined && input.name !== null) attrs.name = dashboardName(input.name);
    if (input.key !== undefined && input.key !== null && input.key !== '') {
      const key = validateKey(input.key);
      if (key !== dashboard.key) {
        if (this.byKey.get({ userId: user.id, key })) throw invalid('Validation failed: Key has already been taken');
        attrs.key = key;
      }
    }
    attrs.updatedAt = this.ctx.clock();
    const updated = this.ctx.tx.run(() => {
      if (attrs.visibility) this.ctx.stores.permissions.syncPublic(user.id, { model: 'dashboard', id: dashboard.id }, attrs.visibility, attrs.updatedAt!);
      return this.ctx.db.update(dashboards).set(attrs).where(eq(dashboards.id, dashboard.id)).returning().get();
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Dashboard', record: updated });
    return updated;
  }

  /** Deletes the dashboard; its blocks, their feed connections and its layouts go with it. */
  delete(dashboard: DashboardRow): void {
    this.ctx.db.delete(dashboards).where(eq(dashboards.id, dashboard.id)).run();
    this.ctx.events.emit('activity', { userId: dashboard.userId, action: 'delete', model: 'Dashboard', record: dashboard });
  }

  /** Every breakpoint's entries, in the order they were given; a breakpoint with none is `[]`. */
  layouts(dashboard: DashboardRow): Layouts {
    const out: Layouts = { xl: [], lg: [], md: [], sm: [], xs: [] };
    const rows = this.ctx.db
      .select()
      .from(layouts)
      .where(eq(layouts.dashboardId, dashboard.id))
      .orderBy(asc(layouts.breakpoint), asc(layouts.position))
      .all();
    for (const r of rows) {
      const entry: LayoutEntry = { x: r.x, y: r.y, w: r.w, h: r.h, i: String(r.blockId) };
      if (r.z !== null) entry.z = r.z;
      out[r.breakpoint as Breakpoint]?.push(entry);
    }
    return out;
  }

  /**
   * `{"xl": [...], "lg": null, ...}`: each breakpoint given replaces that breakpoint's entries, null or
   * absent ones stay. Everything is checked before anything is written, so a bad entry changes nothing.
   */
  updateLayouts(dashboard: DashboardRow, input: unknown): DashboardRow {
    if (!isPlainObject(input)) {
      throw invalid('Validation failed: layouts must be an object with breakpoint keys (xl, lg, md, sm, xs)');
    }
    const blockIds = new Set(
      this.ctx.db
        .select({ id: blocks.id })
        .from(blocks)
        .where(eq(blocks.dashboardId, dashboard.id))
        .all()
        .map((b) => b.id),
    );
    const replace = new Map<Breakpoint, LayoutInsert[]>();
    for (const [name, entries] of Object.entries(input)) {
      if (!(BREAKPOINTS as readonly string[]).includes(name)) {
        throw invalid(`Validation failed: layouts.${name} is not a breakpoint (xl, lg, md, sm, xs)`);
      }
      if (entries === null || entries === undefined) continue;
      if (!Array.isArray(entries)) throw invalid(`Validation failed: layouts.${name} must be an array or null`);
      const seen = new Set<number>();
      const rows = entries.map((entry: unknown, position): LayoutInsert => {
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
    const { db } = this.ctx;
    const updated = db.$client.transaction(() => {
      for (const [breakpoint, rows] of replace) {
        db.delete(layouts)
          .where(and(eq(layouts.dashboardId, dashboard.id), eq(layouts.breakpoint, breakpoint)))
          .run();
        if (rows.length > 0) {
          db.insert(layouts)
            .values(rows.map((r) => ({ ...r, userId: dashboard.userId, dashboardId: dashboard.id, breakpoint })))
            .run();
        }
      }
      return db.update(dashboards).set({ updatedAt: this.ctx.clock() }).where(eq(dashboards.id, dashboard.id)).returning().get();
    })();
    this.ctx.events.emit('activity', { userId: dashboard.userId, action: 'update', model: 'Dashboard', record: updated });
    return updated;
  }

  /** Dashboard records with their blocks (one query for all blocks, one for all their feeds). */
  json(user: UserRow, rows: DashboardRow[], opts: { layouts?: boolean } = {}): DashboardJson[] {
    if (rows.length === 0) return [];
    const blockRows = this.ctx.db
      .select()
      .from(blocks)
      .where(
        and(
          eq(blocks.userId, user.id),
          rows.length === 1 ? eq(blocks.dashboardId, rows[0]!.id) : inArray(blocks.dashboardId, rows.map((d) => d.id)),
        ),
      )
      .orderBy(asc(blocks.id))
      .all();
    const blockJson = this.blocks.json(user, blockRows);
    const byDashboard = new Map<number, BlockJson[]>();
    blockRows.forEach((b, n) => {
      const list = byDashboard.get(b.dashboardId);
      if (list) list.push(blockJson[n]!);
      else byDashboard.set(b.dashboardId, [blockJson[n]!]);
    });
    return rows.map((d) => dashboardJson(d, byDashboard.get(d.id) ?? [], opts.layouts ? this.layouts(d) : undefined));
  }
}

export type DashboardJson = ReturnType<typeof dashboardJson>;

/** The one dashboard serializer. `layouts` is given only for single-dashboard answers. */
export function dashboardJson(d: DashboardRow, blockList: BlockJson[], layoutsOf?: Layouts) {
  return {
    id: d.id,
    name: d.name,
    key: d.key,
    description: d.description,
    visibility: d.visibility,
    show_header: d.showHeader,
    header_image_url: d.headerImageUrl,
    color_mode: d.colorMode,
    block_borders: d.blockBorders,
    allow_overlap: d.allowOverlap,
    created_at: isoSeconds(d.createdAt),
    updated_at: isoSeconds(d.updatedAt),
    ...(layoutsOf ? { layouts: layoutsOf } : {}),
    blocks: blockList,
  };
}
