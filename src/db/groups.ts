import { and, asc, eq, exists, sql } from 'drizzle-orm';
import type { FeedRow, GroupRow } from '../core/types.js';
import type { Db } from './open.js';
import { feeds, groupFeeds, groups } from './schema.js';

export type GroupInsert = typeof groups.$inferInsert;
/** What an update may change: anything but the owner and the row's id. */
export type GroupAttrs = Partial<Omit<GroupInsert, 'id' | 'userId'>>;

/**
 * The groups table and the groups' side of membership (group_feeds): a group's member feeds, adding
 * and removing one. The lookups by key, id and name serve every request that names a group, so they
 * are prepared once.
 */
export class GroupStore {
  private readonly byKeyStmt;
  private readonly byIdStmt;
  private readonly byNameStmt;

  constructor(private readonly db: Db) {
    const scoped = (col: typeof groups.key | typeof groups.id | typeof groups.name, name: string) =>
      db
        .select()
        .from(groups)
        .where(and(eq(groups.userId, sql.placeholder('userId')), eq(col, sql.placeholder(name))))
        .prepare();
    this.byKeyStmt = scoped(groups.key, 'key');
    this.byIdStmt = scoped(groups.id, 'id');
    this.byNameStmt = scoped(groups.name, 'name');
  }

  /** By key, exactly as stored (lower case). */
  byKey(userId: number, key: string): GroupRow | undefined {
    return this.byKeyStmt.get({ userId, key });
  }

  byId(userId: number, id: number): GroupRow | undefined {
    return this.byIdStmt.get({ userId, id });
  }

  byName(userId: number, name: string): GroupRow | undefined {
    return this.byNameStmt.get({ userId, name });
  }

  list(userId: number): GroupRow[] {
    return this.db.select().from(groups).where(eq(groups.userId, userId)).orderBy(asc(groups.id)).all();
  }

  insert(row: GroupInsert): GroupRow {
    return this.db.insert(groups).values(row).returning().get();
  }

  /** The updated row, or undefined when the user has no such group. */
  update(userId: number, id: number, attrs: GroupAttrs): GroupRow | undefined {
    return this.db
      .update(groups)
      .set(attrs)
      .where(and(eq(groups.id, id), eq(groups.userId, userId)))
      .returning()
      .get();
  }

  /** Deletes the group; the feeds at home in it, their data and its memberships go with it (cascade). */
  remove(userId: number, id: number): void {
    this.db
      .delete(groups)
      .where(and(eq(groups.id, id), eq(groups.userId, userId)))
      .run();
  }

  /** The member feeds of every group of the user (or of one group), feeds by id. */
  members(userId: number, groupId?: number): Array<{ groupId: number; feed: FeedRow }> {
    return this.db
      .select({ groupId: groupFeeds.groupId, feed: feeds })
      .from(groupFeeds)
      .innerJoin(feeds, eq(feeds.id, groupFeeds.feedId))
      .where(groupId === undefined ? eq(feeds.userId, userId) : and(eq(feeds.userId, userId), eq(groupFeeds.groupId, groupId)))
      .orderBy(asc(feeds.id))
      .all();
  }

  /** Makes the feed a member of the group (nothing when it is one already, or either is not the user's). */
  addMember(userId: number, groupId: number, feedId: number): void {
    this.db
      .insert(groupFeeds)
      .select(
        this.db
          .select({ groupId: groups.id, feedId: feeds.id })
          .from(groups)
          .innerJoin(feeds, eq(feeds.userId, groups.userId))
          .where(and(eq(groups.id, groupId), eq(feeds.id, feedId), eq(groups.userId, userId))),
      )
      .onConflictDoNothing()
      .run();
  }

  /** Ends the feed's membership of the group; false when it was not a member. */
  removeMember(userId: number, groupId: number, feedId: number): boolean {
    const owned = this.db
      .select({ id: groups.id })
      .from(groups)
      .where(and(eq(groups.id, groupFeeds.groupId), eq(groups.userId, userId)));
    const res = this.db
      .delete(groupFeeds)
      .where(and(eq(groupFeeds.groupId, groupId), eq(groupFeeds.feedId, feedId), exists(owned)))
      .run();
    return res.changes > 0;
  }
}
