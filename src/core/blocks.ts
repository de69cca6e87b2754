import type { BlockAttrs } from '../db/blocks.js';
import type { Ctx } from './context.js';
import { invalid, notFound } from './errors.js';
import type { Feeds, Fields } from './feeds.js';
import type { Groups } from './groups.js';
import { isNumericId } from './keys.js';
import type { DashboardLayouts } from './layouts.js';
import { type BlockJson, blocksJson } from './serializers/block.js';
import type { BlockRow, DashboardRow, FeedRow, GroupRow, UserRow } from './types.js';
import { toInt, toText } from './values.js';

export type { BlockRow } from './types.js';

/** Every block type the dashboard knows; anything else is refused. */
export const VISUAL_TYPES = [
  'toggle_button',
  'slider',
  'momentary_button',
  'gauge',
  'line_chart',
  'text',
  'color_picker',
  'map',
  'stream',
  'image',
  'remote_control',
  'multiline_text',
  'rich_text',
  'icon',
  'indicator',
  'number_pad',
  'selector',
  'dashboard_link',
  'battery',
  'divider',
  'line_gauge',
] as const;
export type VisualType = (typeof VISUAL_TYPES)[number];
const VISUAL_TYPE_SET: ReadonlySet<string> = new Set(VISUAL_TYPES);

/** A connection as stored: the feed and the group it was chosen through. */
interface Connection {
  feed: FeedRow;
  group: GroupRow;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function visualType(v: unknown): VisualType {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (!s) throw invalid("Validation failed: Visual type can't be blank");
  if (!VISUAL_TYPE_SET.has(s)) {
    throw invalid(`Validation failed: Visual type "${String(v)}" is not one of ${VISUAL_TYPES.join(', ')}`);
  }
  return s as VisualType;
}

/** `properties` as JSON text: an object (or its JSON text, as a form body carries it), stored as given. */
function propertiesText(v: unknown): string {
  let obj = v;
  if (typeof v === 'string') {
    try {
      obj = v.trim() === '' ? {} : JSON.parse(v);
    } catch {
      obj = undefined;
    }
  }
  if (!isPlainObject(obj)) throw invalid('Validation failed: Properties must be an object');
  return JSON.stringify(obj);
}

function size(v: unknown, what: string): number | undefined {
  const n = toInt(v, what);
  if (n !== undefined && n < 1) throw invalid(`Validation failed: ${what} must be at least 1`);
  return n;
}

/** `column`/`row`: a whole number ≥ 0 (Arduino sends it as a string), or null to clear. */
function gridPos(v: unknown, what: string): number | null | undefined {
  if (v === null) return null;
  const n = toInt(v, what);
  if (n !== undefined && n < 0) throw invalid(`Validation failed: ${what} must be at least 0`);
  return n;
}

/** The settable block fields other than visual_type and block_feeds; absent fields are left out. */
function blockAttrs(input: Fields) {
  const attrs: BlockAttrs = {};
  const name = toText(input.name, 'Name', 255);
  if (name !== undefined) attrs.name = name;
  const description = toText(input.description, 'Description');
  if (description !== undefined) attrs.description = description;
  const column = gridPos(input.column, 'Column');
  if (column !== undefined) attrs.column = column;
  const row = gridPos(input.row, 'Row');
  if (row !== undefined) attrs.row = row;
  const sizeX = size(input.size_x, 'Size x');
  if (sizeX !== undefined) attrs.sizeX = sizeX;
  const sizeY = size(input.size_y, 'Size y');
  if (sizeY !== undefined) attrs.sizeY = sizeY;
  if (input.properties !== undefined && input.properties !== null) attrs.properties = propertiesText(input.properties);
  return attrs;
}

export class Blocks {
  constructor(
    private readonly ctx: Ctx,
    private readonly feeds: Feeds,
    private readonly groups: Groups,
    private readonly layouts: DashboardLayouts,
  ) {}

  list(user: UserRow, dashboard: DashboardRow): BlockRow[] {
    return this.ctx.stores.blocks.list(user.id, [dashboard.id]);
  }

  /** A block of this dashboard by its numeric id. */
  find(user: UserRow, dashboard: DashboardRow, ident: string): BlockRow | undefined {
    if (!isNumericId(ident)) return undefined;
    return this.ctx.stores.blocks.byId(user.id, dashboard.id, Number(ident));
  }

  resolve(user: UserRow, dashboard: DashboardRow, ident: string): BlockRow {
    const block = this.find(user, dashboard, ident);
    if (!block) throw notFound();
    return block;
  }

  /** Creates the block with its feed connections and places it in every breakpoint's layout. */
  create(user: UserRow, dashboard: DashboardRow, input: Fields): BlockRow {
    const type = visualType(input.visual_type);
    const attrs = blockAttrs(input);
    const connections = input.block_feeds === undefined || input.block_feeds === null ? [] : this.connections(user, input.block_feeds);
    const now = this.ctx.clock();
    const { stores } = this.ctx;
    const created = this.ctx.tx.run(() => {
      const block = stores.blocks.insert({
        ...attrs,
        userId: user.id,
        dashboardId: dashboard.id,
        visualType: type,
        createdAt: now,
        updatedAt: now,
      });
      this.connect(block, connections);
      this.layouts.place(dashboard, block);
      stores.dashboards.update(dashboard.userId, dashboard.id, { updatedAt: now });
      return block;
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'create', model: 'Block', record: created });
    return created;
  }

  /** Changes only the fields sent; `block_feeds` sent replaces every connection. */
  update(user: UserRow, block: BlockRow, input: Fields): BlockRow {
    const attrs = blockAttrs(input);
    if (input.visual_type !== undefined && input.visual_type !== null) attrs.visualType = visualType(input.visual_type);
    const connections =
      input.block_feeds === undefined || input.block_feeds === null ? undefined : this.connections(user, input.block_feeds);
    attrs.updatedAt = this.ctx.clock();
    const store = this.ctx.stores.blocks;
    const updated = this.ctx.tx.run(() => {
      if (connections) {
        store.disconnect(block.userId, block.id);
        this.connect(block, connections);
      }
      return store.update(block.userId, block.id, attrs);
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Block', record: updated });
    return updated;
  }

  /** Deletes the block; it leaves every layout and its feed connections go with it. */
  delete(block: BlockRow): void {
    this.ctx.stores.blocks.remove(block.userId, block.id);
    this.ctx.events.emit('activity', { userId: block.userId, action: 'delete', model: 'Block', record: block });
  }

  /** Block records with their feed connections, in one query for all of them. */
  json(user: UserRow, rows: BlockRow[]): BlockJson[] {
    return blocksJson(
      rows,
      this.ctx.stores.blocks.connections(
        user.id,
        rows.map((b) => b.id),
      ),
    );
  }

  private connect(block: BlockRow, connections: Connection[]): void {
    this.ctx.stores.blocks.connect(
      block.userId,
      block.id,
      connections.map((c) => ({ feedId: c.feed.id, groupId: c.group.id })),
    );
  }

  /**
   * `[{feed_id, group_id?}]`, checked before anything is written. `feed_id` is a numeric id, a key or
   * `group.key`; `group_id` a numeric id or key. Without a group the user's default group is used when
   * the feed is in it, else the feed's home group. An unknown feed or group is a 422.
   */
  private connections(user: UserRow, raw: unknown): Connection[] {
    const list = Array.isArray(raw) ? raw : isPlainObject(raw) ? [raw] : undefined;
    if (!list) throw invalid('Validation failed: block_feeds must be an array of {feed_id, group_id}');
    const defaultGroup = this.groups.defaultGroup(user);
    return list.map((entry: unknown, n): Connection => {
      const at = `block_feeds[${n}]`;
      if (!isPlainObject(entry)) throw invalid(`Validation failed: ${at} must be an object {feed_id, group_id}`);
      const rawFeed = entry.feed_id ?? entry.feed_key;
      const ident = typeof rawFeed === 'string' || typeof rawFeed === 'number' ? String(rawFeed).trim() : '';
      if (!ident) throw invalid(`Validation failed: ${at}.feed_id can't be blank`);
      const rawGroup = entry.group_id ?? entry.group_key;
      const groupIdent = typeof rawGroup === 'string' || typeof rawGroup === 'number' ? String(rawGroup).trim() : '';
      if (rawGroup !== undefined && rawGroup !== null && typeof rawGroup !== 'string' && typeof rawGroup !== 'number') {
        throw invalid(`Validation failed: ${at}.group_id must be a group id or key`);
      }
      const unknownFeed = () => invalid(`Validation failed: ${at}.feed_id: ${user.username} has no feed '${ident}'`);
      if (groupIdent) {
        const group = this.groups.find(user, groupIdent);
        if (!group) throw invalid(`Validation failed: ${at}.group_id: ${user.username} has no group '${groupIdent}'`);
        const member = this.feeds.findInGroup(user, group, ident);
        if (member) return { feed: member, group };
        const feed = this.feeds.find(user, ident);
        if (!feed) throw unknownFeed();
        // Naming the default group explicitly means "no particular group".
        if (group.id !== defaultGroup.id) throw invalid(`Validation failed: ${at}: feed ${feed.key} is not in group ${group.key}`);
        return { feed, group: this.groupFor(user, feed) };
      }
      const feed = this.feeds.find(user, ident);
      if (!feed) throw unknownFeed();
      return { feed, group: this.groupFor(user, feed, defaultGroup) };
    });
  }

  /** `preferred` when the feed is in it, else the feed's home group (one of its groups: a feed cannot leave it). */
  private groupFor(user: UserRow, feed: FeedRow, preferred?: GroupRow): GroupRow {
    const groups = this.feeds.memberships(user, [feed.id]).get(feed.id) ?? [];
    return (preferred && groups.find((g) => g.id === preferred.id)) ?? groups.find((g) => g.id === feed.groupId)!;
  }
}
