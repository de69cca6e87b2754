import type { GroupAttrs } from '../db/groups.js';
import { assertRoom } from './account-limits.js';
import type { Ctx } from './context.js';
import { AioError, feedNotFound, groupNotFound, invalid } from './errors.js';
import type { Feeds, Fields } from './feeds.js';
import { findByIdent, keyFromName, uniqueKey, validateKey, validateName } from './keys.js';
import type { FeedRow, GroupRow, UserRow } from './types.js';
import { toText, toVisibility } from './values.js';

export class Groups {
  constructor(
    private readonly ctx: Ctx,
    private readonly feeds: Feeds,
  ) {}

  list(user: UserRow): GroupRow[] {
    return this.ctx.stores.groups.list(user.id);
  }

  /** A group by key (any case), numeric id, or exact name. */
  find(user: UserRow, ident: string): GroupRow | undefined {
    const userId = user.id;
    const store = this.ctx.stores.groups;
    return findByIdent(ident, {
      key: (key) => store.byKey(userId, key),
      id: (id) => store.byId(userId, id),
      name: (name) => store.byName(userId, name),
    });
  }

  resolve(user: UserRow, ident: string): GroupRow {
    const group = this.find(user, ident);
    if (!group) throw groupNotFound(ident, user.username);
    return group;
  }

  defaultGroup(user: UserRow): GroupRow {
    const group = this.ctx.stores.groups.byKey(user.id, 'default');
    if (!group) throw new AioError(500, `account ${user.username} has no default group`);
    return group;
  }

  create(user: UserRow, input: Fields): GroupRow {
    const name = validateName(input.name);
    const description = toText(input.description, 'Description') ?? null;
    const visibility = toVisibility(input.visibility) ?? 'private';
    const taken = (k: string) => !!this.ctx.stores.groups.byKey(user.id, k);
    let key: string;
    if (input.key !== undefined && input.key !== null && input.key !== '') {
      key = validateKey(input.key);
      if (taken(key)) throw invalid('Validation failed: Key has already been taken');
    } else {
      const base = keyFromName(name);
      if (!base) throw invalid('Validation failed: Key can not be made from that name');
      key = uniqueKey(base, taken);
    }
    assertRoom(this.ctx, user, 'groups');
    this.ctx.limiter.take(user, 1);
    const now = this.ctx.clock();
    const created = this.ctx.tx.run(() => {
      const row = this.ctx.stores.groups.insert({ userId: user.id, key, name, description, visibility, createdAt: now, updatedAt: now });
      // A public group has its public read permission (core/permissions.ts).
      if (visibility === 'public') this.ctx.stores.permissions.syncPublic(user.id, { model: 'group', id: row.id }, 'public', now);
      return row;
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'create', model: 'Group', record: created });
    return created;
  }

  update(user: UserRow, group: GroupRow, input: Fields): GroupRow {
    const attrs: GroupAttrs = {};
    if (input.name !== undefined && input.name !== null) attrs.name = validateName(input.name);
    const description = toText(input.description, 'Description');
    if (description !== undefined) attrs.description = description;
    const visibility = toVisibility(input.visibility);
    if (visibility !== undefined) attrs.visibility = visibility;
    let newKey: string | undefined;
    if (input.key !== undefined && input.key !== null && input.key !== '') {
      const key = validateKey(input.key);
      if (key !== group.key) {
        if (group.key === 'default') throw invalid('Validation failed: the default group keeps its key');
        if (key === 'default' || this.ctx.stores.groups.byKey(user.id, key)) throw invalid('Validation failed: Key has already been taken');
        newKey = attrs.key = key;
      }
    }
    this.ctx.limiter.take(user, 1);
    attrs.updatedAt = this.ctx.clock();
    const updated = this.ctx.tx.run(() => {
      // Feeds at home in this group carry its key as their prefix: `old.feed` → `new.feed`.
      if (newKey) this.ctx.stores.feeds.rekeyHomeFeeds(user.id, group.id, group.key, newKey);
      if (attrs.visibility)
        this.ctx.stores.permissions.syncPublic(user.id, { model: 'group', id: group.id }, attrs.visibility, attrs.updatedAt!);
      return this.ctx.stores.groups.update(user.id, group.id, attrs)!;
    });
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Group', record: updated });
    return updated;
  }

  /** Deletes the group and the feeds whose home it is (their data goes with them). */
  delete(user: UserRow, group: GroupRow): void {
    if (group.key === 'default') throw invalid('the default group cannot be deleted');
    this.ctx.limiter.take(user, 1);
    this.ctx.stores.groups.remove(user.id, group.id);
    this.ctx.events.emit('activity', { userId: user.id, action: 'delete', model: 'Group', record: group });
  }

  /** Feeds that are members of each group, in one query. */
  feedsByGroup(user: UserRow, groupId?: number): Map<number, FeedRow[]> {
    const rows = this.ctx.stores.groups.members(user.id, groupId);
    const out = new Map<number, FeedRow[]>();
    for (const r of rows) {
      const list = out.get(r.groupId);
      if (list) list.push(r.feed);
      else out.set(r.groupId, [r.feed]);
    }
    return out;
  }

  addFeed(user: UserRow, group: GroupRow, feedIdent: unknown): void {
    const feed = this.memberFeed(user, feedIdent);
    this.ctx.limiter.take(user, 1);
    this.ctx.stores.groups.addMember(user.id, group.id, feed.id);
    this.touch(group);
  }

  removeFeed(user: UserRow, group: GroupRow, feedIdent: unknown): void {
    const feed = this.memberFeed(user, feedIdent);
    if (feed.groupId === group.id) throw invalid(`feed ${feed.key} belongs to group ${group.key} and cannot be removed from it`);
    this.ctx.limiter.take(user, 1);
    if (!this.ctx.stores.groups.removeMember(user.id, group.id, feed.id)) throw invalid(`feed ${feed.key} is not in group ${group.key}`);
    this.touch(group);
  }

  private memberFeed(user: UserRow, feedIdent: unknown): FeedRow {
    if (typeof feedIdent !== 'string' && typeof feedIdent !== 'number') throw invalid("Validation failed: feed_key can't be blank");
    const ident = String(feedIdent).trim();
    if (!ident) throw invalid("Validation failed: feed_key can't be blank");
    const feed = this.feeds.find(user, ident);
    if (!feed) throw feedNotFound(ident, user.username);
    return feed;
  }

  /** Membership changes are updates of the group. */
  private touch(group: GroupRow): void {
    const updated = this.ctx.stores.groups.update(group.userId, group.id, { updatedAt: this.ctx.clock() })!;
    this.ctx.events.emit('activity', { userId: group.userId, action: 'update', model: 'Group', record: updated });
  }
}
