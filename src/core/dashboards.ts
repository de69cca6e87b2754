import type { DashboardAttrs } from '../db/dashboards.js';
import { assertRoom } from './account-limits.js';
import type { Ctx } from './context.js';
import { invalid, notFound } from './errors.js';
import type { Fields } from './feeds.js';
import { MAX_NAME, findByIdent, keyFromName, uniqueKey, validateKey } from './keys.js';
import type { DashboardLayouts, Layouts } from './layouts.js';
import { type DashboardJson, dashboardsJson } from './serializers/dashboard.js';
import type { DashboardRow, UserRow } from './types.js';
import { toBool, toText, toVisibility } from './values.js';

export type { DashboardRow } from './types.js';

const COLOR_MODES = new Set(['dark', 'light']);

export function dashboardNotFound(ident: string, username: string) {
  return notFound(
    `not found - You are not permitted to access the dashboard with key '${ident}' belonging to ${username} or the dashboard does not exist.`,
  );
}

function dashboardName(v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '') throw invalid("Validation failed: Name can't be blank");
  const name = v.trim();
  if (name.length > MAX_NAME) throw invalid(`Validation failed: Name is too long (maximum is ${MAX_NAME} characters)`);
  return name;
}

/** The settable dashboard fields other than name and key; absent and null fields are left out. */
function dashboardAttrs(input: Fields) {
  const attrs: DashboardAttrs = {};
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

export class Dashboards {
  constructor(
    private readonly ctx: Ctx,
    private readonly dashLayouts: DashboardLayouts,
  ) {}

  list(user: UserRow): DashboardRow[] {
    return this.ctx.stores.dashboards.list(user.id);
  }

  /** A dashboard by key (any case), numeric id, or exact name. */
  find(user: UserRow, ident: string): DashboardRow | undefined {
    const store = this.ctx.stores.dashboards;
    const userId = user.id;
    return findByIdent(ident, {
      key: (key) => store.byKey(userId, key),
      id: (id) => store.byId(userId, id),
      name: (name) => store.byName(userId, name),
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
    const store = this.ctx.stores.dashboards;
    const taken = (k: string) => !!store.byKey(user.id, k);
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
      const row = store.insert({ ...attrs, userId: user.id, key, name, createdAt: now, updatedAt: now });
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
        if (this.ctx.stores.dashboards.byKey(user.id, key)) throw invalid('Validation failed: Key has already been taken');
        attrs.key = key;
      }
    }
    attrs.updatedAt = this.ctx.clock();
    const updated = this.ctx.tx.run(() => {
      if (attrs.visibility)
        this.ctx.stores.permissions.syncPublic(user.id, { model: 'dashboard', id: dashboard.id }, attrs.visibility, attrs.updatedAt!);
      return this.ctx.stores.dashboards.update(dashboard.userId, dashboard.id, attrs);
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Dashboard', record: updated });
    return updated;
  }

  /** Deletes the dashboard; its blocks, their feed connections and its layouts go with it. */
  delete(dashboard: DashboardRow): void {
    this.ctx.stores.dashboards.remove(dashboard.userId, dashboard.id);
    this.ctx.events.emit('activity', { userId: dashboard.userId, action: 'delete', model: 'Dashboard', record: dashboard });
  }

  /** Every breakpoint's entries, in the order they were given; a breakpoint with none is `[]`. */
  layouts(dashboard: DashboardRow): Layouts {
    return this.dashLayouts.of(dashboard);
  }

  /** Replaces the breakpoints given (see DashboardLayouts.update). */
  updateLayouts(dashboard: DashboardRow, input: unknown): DashboardRow {
    return this.dashLayouts.update(dashboard, input);
  }

  /** Dashboard records with their blocks (one query for all blocks, one for all their feeds). */
  json(user: UserRow, rows: DashboardRow[], opts: { layouts?: boolean } = {}): DashboardJson[] {
    if (rows.length === 0) return [];
    const blocks = this.ctx.stores.blocks;
    const blockRows = blocks.list(
      user.id,
      rows.map((d) => d.id),
    );
    const links = blocks.connections(
      user.id,
      blockRows.map((b) => b.id),
    );
    const layouts = opts.layouts ? new Map(rows.map((d) => [d.id, this.layouts(d)])) : undefined;
    return dashboardsJson(rows, blockRows, links, layouts);
  }
}
