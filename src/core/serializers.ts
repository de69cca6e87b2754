import type { Ctx } from './context.js';
import type { DataRow, FeedRow, GroupRow, UserRow } from './types.js';
import { isoSeconds } from './values.js';

/**
 * One serializer per record kind, shared by every route and topic. Field order follows the
 * hosted service's responses, which some people diff against.
 */
export const DATA_FIELDS = ['id', 'value', 'feed_id', 'feed_key', 'created_at', 'location', 'lat', 'lon', 'ele', 'created_epoch', 'expiration'] as const;

export class Serializers {
  constructor(private readonly ctx: Ctx) {}

  user(user: UserRow, defaultGroupId: number) {
    return {
      id: user.id,
      name: user.name ?? user.username,
      color: user.color,
      username: user.username,
      role: 'user',
      default_group_id: defaultGroupId,
      default_dashboard_id: null,
      time_zone: user.timeZone,
      created_at: isoSeconds(user.createdAt),
      updated_at: isoSeconds(user.updatedAt),
    };
  }

  owner(user: UserRow) {
    return { id: user.id, username: user.username };
  }

  groupRef(group: GroupRow) {
    return { id: group.id, key: group.key, name: group.name, user_id: group.userId };
  }

  /**
   * `receivers`: the feed's webhook receivers, already serialized (core/webhooks.ts). `share`: whether
   * anyone besides the owner may reach the feed, and whether the reader may write to it.
   */
  feed(user: UserRow, feed: FeedRow, memberships: GroupRow[] | undefined, receivers: unknown[] = [], share = { isShared: false, writable: true }) {
    const groups = memberships ?? [];
    const home = groups.find((g) => g.id === feed.groupId);
    const now = this.ctx.clock();
    const online = feed.lastValueAt !== null && now - feed.lastValueAt <= feed.statusTimeout * 60_000;
    return {
      username: user.username,
      owner: this.owner(user),
      id: feed.id,
      name: feed.name,
      description: feed.description,
      license: feed.license,
      history: feed.history,
      enabled: feed.enabled,
      visibility: feed.visibility,
      unit_type: feed.unitType,
      unit_symbol: feed.unitSymbol,
      last_value: feed.lastValue,
      created_at: isoSeconds(feed.createdAt),
      updated_at: isoSeconds(feed.updatedAt),
      status_notify: feed.statusNotify,
      status_timeout: feed.statusTimeout,
      status: online ? 'online' : 'offline',
      key: feed.key,
      writable: share.writable,
      is_shared: share.isShared,
      group: home ? this.groupRef(home) : null,
      groups: groups.map((g) => this.groupRef(g)),
      feed_webhook_receivers: receivers,
      feed_status_changes: [] as unknown[],
    };
  }

  group(user: UserRow, group: GroupRow, feeds: unknown[]) {
    return {
      username: user.username,
      owner: this.owner(user),
      id: group.id,
      key: group.key,
      name: group.name,
      description: group.description,
      visibility: group.visibility,
      user_id: group.userId,
      created_at: isoSeconds(group.createdAt),
      updated_at: isoSeconds(group.updatedAt),
      feeds,
    };
  }

  /** A data record; `include` keeps only the named fields (the `include=` query parameter). */
  datum(row: DataRow, feedKey: string, include?: ReadonlySet<string>): Record<string, unknown> {
    const days = this.ctx.config.retentionDays;
    const out: Record<string, unknown> = {
      id: row.id,
      value: row.value,
      feed_id: row.feedId,
      feed_key: feedKey,
      created_at: isoSeconds(row.createdAt),
    };
    if (row.lat !== null || row.lon !== null || row.ele !== null) {
      const coordinates = [row.lon ?? 0, row.lat ?? 0];
      if (row.ele !== null) coordinates.push(row.ele);
      out.location = { type: 'Feature', geometry: { type: 'Point', coordinates } };
      out.lat = row.lat;
      out.lon = row.lon;
      out.ele = row.ele;
    }
    out.created_epoch = Math.floor(row.createdAt / 1000);
    out.expiration = days > 0 ? isoSeconds(row.createdAt + days * 86_400_000) : null;
    if (!include) return out;
    const picked: Record<string, unknown> = {};
    for (const k of Object.keys(out)) if (include.has(k)) picked[k] = out[k];
    return picked;
  }
}
