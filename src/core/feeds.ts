import type { FeedAttrs } from '../db/feeds.js';
import { assertRoom } from './account-limits.js';
import type { Ctx } from './context.js';
import { feedNotFound, invalid } from './errors.js';
import { feedFullKey, findByIdent, keyFromName, uniqueKey, validateKey, validateName } from './keys.js';
import type { FeedRow, GroupRow, UserRow } from './types.js';
import { toBool, toInt, toText, toVisibility } from './values.js';

export type Fields = Record<string, unknown>;

/** The settable feed fields, coerced the way real clients need (`"ON"`, `"Private"`, numeric strings). */
function feedAttrs(input: Fields) {
  const attrs: FeedAttrs = {};
  const description = toText(input.description, 'Description');
  if (description !== undefined) attrs.description = description;
  const license = toText(input.license, 'License', 255);
  if (license !== undefined) attrs.license = license;
  const unitType = toText(input.unit_type, 'Unit type', 255);
  if (unitType !== undefined) attrs.unitType = unitType;
  const unitSymbol = toText(input.unit_symbol, 'Unit symbol', 255);
  if (unitSymbol !== undefined) attrs.unitSymbol = unitSymbol;
  const history = toBool(input.history, 'History');
  if (history !== undefined) attrs.history = history;
  const enabled = toBool(input.enabled, 'Enabled');
  if (enabled !== undefined) attrs.enabled = enabled;
  const statusNotify = toBool(input.status_notify, 'Status notify');
  if (statusNotify !== undefined) attrs.statusNotify = statusNotify;
  const statusTimeout = toInt(input.status_timeout, 'Status timeout');
  if (statusTimeout !== undefined) {
    if (statusTimeout < 1 || statusTimeout > 43200) throw invalid('Validation failed: Status timeout must be between 1 and 43200 minutes');
    attrs.statusTimeout = statusTimeout;
  }
  const visibility = toVisibility(input.visibility);
  if (visibility !== undefined) attrs.visibility = visibility;
  return attrs;
}

export class Feeds {
  constructor(private readonly ctx: Ctx) {}

  list(user: UserRow): FeedRow[] {
    return this.ctx.stores.feeds.list(user.id);
  }

  /**
   * A feed by key (any case), `default.key`, numeric id, or exact name, in that order; undefined if
   * the user has no such feed.
   */
  find(user: UserRow, ident: string): FeedRow | undefined {
    const userId = user.id;
    const store = this.ctx.stores.feeds;
    return findByIdent(ident, {
      // A default-group feed is also `default.key`.
      key: (key) => store.byKey(userId, key) ?? (key.startsWith('default.') ? store.byKey(userId, key.slice(8)) : undefined),
      id: (id) => store.byId(userId, id),
      name: (name) => store.byName(userId, name),
    });
  }

  resolve(user: UserRow, ident: string): FeedRow {
    const feed = this.find(user, ident);
    if (!feed) throw feedNotFound(ident, user.username);
    return feed;
  }

  byIdFor(user: UserRow, id: number): FeedRow | undefined {
    return this.ctx.stores.feeds.byId(user.id, id);
  }

  /** A feed that is a member of `group`: by full key, by its key or name inside the group, or by id. */
  findInGroup(user: UserRow, group: GroupRow, ident: string): FeedRow | undefined {
    const lower = ident.toLowerCase();
    const store = this.ctx.stores.feeds;
    const direct = store.byKey(user.id, feedFullKey(group.key, lower)) ?? this.find(user, ident);
    if (!direct) return undefined;
    return store.isMember(user.id, group.id, direct.id) ? direct : undefined;
  }

  create(user: UserRow, group: GroupRow, input: Fields): FeedRow {
    const name = validateName(input.name);
    const attrs = feedAttrs(input);
    assertRoom(this.ctx, user, 'feeds');
    this.ctx.limiter.take(user, 1);
    const now = this.ctx.clock();
    const store = this.ctx.stores.feeds;
    const created = this.ctx.tx.run(() => {
      const taken = (k: string) => !!store.byKey(user.id, feedFullKey(group.key, k));
      let local: string;
      if (input.key !== undefined && input.key !== null && input.key !== '') {
        local = validateKey(String(input.key).split('.').pop());
        if (taken(local)) throw invalid('Validation failed: Key has already been taken');
      } else {
        const base = keyFromName(name);
        if (!base) throw invalid('Validation failed: Key can not be made from that name');
        local = uniqueKey(base, taken);
      }
      const feed = store.insert({
        ...attrs,
        userId: user.id,
        groupId: group.id,
        key: feedFullKey(group.key, local),
        name,
        createdAt: now,
        updatedAt: now,
      });
      // A public feed has its public read permission (core/permissions.ts).
      if (attrs.visibility === 'public') this.ctx.stores.permissions.syncPublic(user.id, { model: 'feed', id: feed.id }, 'public', now);
      return feed;
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'create', model: 'Feed', record: created });
    return created;
  }

  update(user: UserRow, feed: FeedRow, input: Fields): FeedRow {
    const attrs = feedAttrs(input);
    if (input.name !== undefined && input.name !== null) attrs.name = validateName(input.name);
    if (input.key !== undefined && input.key !== null && input.key !== '') {
      const home = this.ctx.stores.groups.byId(user.id, feed.groupId)!;
      const key = feedFullKey(home.key, validateKey(String(input.key).split('.').pop()));
      if (key !== feed.key) {
        if (this.ctx.stores.feeds.byKey(user.id, key)) throw invalid('Validation failed: Key has already been taken');
        attrs.key = key;
      }
    }
    this.ctx.limiter.take(user, 1);
    attrs.updatedAt = this.ctx.clock();
    const updated = this.ctx.tx.run(() => {
      const row = this.ctx.stores.feeds.update(user.id, feed.id, attrs)!;
      if (attrs.visibility)
        this.ctx.stores.permissions.syncPublic(user.id, { model: 'feed', id: feed.id }, attrs.visibility, attrs.updatedAt!);
      return row;
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Feed', record: updated });
    return updated;
  }

  delete(user: UserRow, feed: FeedRow): void {
    this.ctx.limiter.take(user, 1);
    this.ctx.stores.feeds.remove(user.id, feed.id);
    this.ctx.events.emit('activity', { userId: user.id, action: 'delete', model: 'Feed', record: feed });
  }

  /** Every group each feed belongs to, in one query. */
  memberships(user: UserRow, feedIds?: number[]): Map<number, GroupRow[]> {
    const rows = this.ctx.stores.feeds.memberships(user.id, feedIds);
    const out = new Map<number, GroupRow[]>();
    for (const r of rows) {
      const list = out.get(r.feedId);
      if (list) list.push(r.group);
      else out.set(r.feedId, [r.group]);
    }
    return out;
  }
}
