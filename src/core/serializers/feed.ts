import type { FeedRow, GroupRow, UserRow, WebhookRow } from '../types.js';
import { isoSeconds } from '../values.js';
import { groupRefJson } from './group-ref.js';
import { ownerJson } from './user.js';
import { webhookJson } from './webhook.js';

/** What a feed record needs besides the row; the caller loads the related rows (one query for many feeds). */
export interface FeedJsonOptions {
  /** Now (ms): a feed is online while its last value is younger than its status timeout. */
  now: number;
  /** The feed's groups, its home group among them; none given: `group: null, groups: []`. */
  groups?: readonly GroupRow[];
  /** The feed's webhook receivers. */
  receivers?: readonly WebhookRow[];
  /** Its recorded online/offline flips, newest first, as core/actions/status.ts gives them. */
  statusChanges?: readonly unknown[];
  /** Whether anyone besides the owner may reach the feed, and whether the reader may write to it. */
  share?: { isShared: boolean; writable: boolean };
}

export type FeedJson = ReturnType<typeof feedJson>;

/**
 * Field order follows the hosted service's responses, which some people diff against.
 */
export function feedJson(user: UserRow, feed: FeedRow, opts: FeedJsonOptions) {
  const groups = opts.groups ?? [];
  const home = groups.find((g) => g.id === feed.groupId);
  const online = feed.lastValueAt !== null && opts.now - feed.lastValueAt <= feed.statusTimeout * 60_000;
  return {
    username: user.username,
    owner: ownerJson(user),
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
    writable: opts.share?.writable ?? true,
    is_shared: opts.share?.isShared ?? false,
    group: home ? groupRefJson(home) : null,
    groups: groups.map((g) => groupRefJson(g)),
    feed_webhook_receivers: (opts.receivers ?? []).map((r) => webhookJson(r)),
    feed_status_changes: opts.statusChanges ?? [],
  };
}
