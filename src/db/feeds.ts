import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FeedRow, GroupRow } from '../core/types.js';
import type { Db } from './open.js';
import { feeds, groupFeeds, groups } from './schema.js';
import type { Transactions } from './transactions.js';

export type FeedInsert = typeof feeds.$inferInsert;
/** What an update may change: anything but the owner and the row's id. */
export type FeedAttrs = Partial<Omit<FeedInsert, 'id' | 'userId'>>;

/**
 * The feeds table and the feeds' side of group membership (group_feeds): which groups a feed is in.
 * The group's side (its members, adding and removing them) is in db/groups.ts. The lookups by key,
 * id and name serve every request that names a feed, so they are prepared once.
 */
export class FeedStore {
  private readonly byKeyStmt;
  private readonly byIdStmt;
  private readonly byNameStmt;
  private readonly memberStmt;

  constructor(
    private readonly db: Db,
    private readonly tx: Transactions,
  ) {
    const scoped = (col: typeof feeds.key | typeof feeds.id | typeof feeds.name, name: string) =>
      db
        .select()
        .from(feeds)
        .where(and(eq(feeds.userId, sql.placeholder('userId')), eq(col, sql.placeholder(name))))
        .limit(1)
        .prepare();
    this.byKeyStmt = scoped(feeds.key, 'key');
    this.byIdStmt = scoped(feeds.id, 'id');
    this.byNameStmt = scoped(feeds.name, 'name');
    this.memberStmt = db
      .select({ feedId: groupFeeds.feedId })
      .from(groupFeeds)
      .innerJoin(feeds, eq(feeds.id, groupFeeds.feedId))
      .where(
        and(
          eq(groupFeeds.groupId, sql.placeholder('groupId')),
          eq(groupFeeds.feedId, sql.placeholder('feedId')),
          eq(feeds.userId, sql.placeholder('userId')),
        ),
      )
      .prepare();
  }

  /** By full key, exactly as stored (lower case). */
  byKey(userId: number, key: string): FeedRow | undefined {
    return this.byKeyStmt.get({ userId, key });
  }

  byId(userId: number, id: number): FeedRow | undefined {
    return this.byIdStmt.get({ userId, id });
  }

  byName(userId: number, name: string): FeedRow | undefined {
    return this.byNameStmt.get({ userId, name });
  }

  list(userId: number): FeedRow[] {
    return this.db.select().from(feeds).where(eq(feeds.userId, userId)).orderBy(asc(feeds.id)).all();
  }

  /** Whether the feed is a member of the group (its home group included). */
  isMember(userId: number, groupId: number, feedId: number): boolean {
    return this.memberStmt.get({ userId, groupId, feedId }) !== undefined;
  }

  /** Inserts the feed and its membership of its home group, together. */
  insert(row: FeedInsert): FeedRow {
    return this.tx.run(() => {
      const feed = this.db.insert(feeds).values(row).returning().get();
      this.db.insert(groupFeeds).values({ groupId: feed.groupId, feedId: feed.id }).run();
      return feed;
    });
  }

  /** The updated row, or undefined when the user has no such feed. */
  update(userId: number, id: number, attrs: FeedAttrs): FeedRow | undefined {
    return this.db
      .update(feeds)
      .set(attrs)
      .where(and(eq(feeds.id, id), eq(feeds.userId, userId)))
      .returning()
      .get();
  }

  /** Deletes the feed; its data and memberships go with it (cascade). */
  remove(userId: number, id: number): void {
    this.db
      .delete(feeds)
      .where(and(eq(feeds.id, id), eq(feeds.userId, userId)))
      .run();
  }

  /** Gives the feeds at home in a group the group's new key as prefix: `old.feed` → `new.feed`. */
  rekeyHomeFeeds(userId: number, groupId: number, oldGroupKey: string, newGroupKey: string): void {
    this.db
      .update(feeds)
      .set({ key: sql`${newGroupKey} || substr(${feeds.key}, ${oldGroupKey.length + 1})` })
      .where(and(eq(feeds.groupId, groupId), eq(feeds.userId, userId)))
      .run();
  }

  /** Every group each feed is a member of (all the user's feeds, or those listed), groups by id. */
  memberships(userId: number, feedIds?: number[]): Array<{ feedId: number; group: GroupRow }> {
    return this.db
      .select({ feedId: groupFeeds.feedId, group: groups })
      .from(groupFeeds)
      .innerJoin(groups, eq(groups.id, groupFeeds.groupId))
      .where(feedIds ? and(eq(groups.userId, userId), inArray(groupFeeds.feedId, feedIds)) : eq(groups.userId, userId))
      .orderBy(asc(groups.id))
      .all();
  }
}
