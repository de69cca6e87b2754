import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { FeedRow } from '../core/types.js';
import type { Db } from './open.js';
import { actions, feedStatusChanges, feeds } from './schema.js';

export type ActionRow = typeof actions.$inferSelect;
export type ActionInsert = typeof actions.$inferInsert;
/** What an update may change: anything but the owner and the row's id. */
export type ActionAttrs = Partial<Omit<ActionInsert, 'id' | 'userId'>>;
export type FeedStatusChangeRow = typeof feedStatusChanges.$inferSelect;
export type FeedStatus = FeedStatusChangeRow['toStatus'];

/** Status changes kept per feed: enough to see a flapping feed, never a growing table. */
export const STATUS_CHANGES_KEPT = 20;

/**
 * The actions table (the hosted API's triggers) and the feed status changes the status timer records.
 * The actions engine keeps its working set in memory (core/actions), so only the lookups a request
 * makes and the status change insert are prepared; loading everything happens once at start.
 */
export class ActionStore {
  private readonly byIdStmt;
  private readonly insertChangeStmt;
  private readonly trimChangesStmt;

  constructor(private readonly db: Db) {
    this.byIdStmt = db
      .select()
      .from(actions)
      .where(and(eq(actions.userId, sql.placeholder('userId')), eq(actions.id, sql.placeholder('id'))))
      .prepare();
    this.insertChangeStmt = db
      .insert(feedStatusChanges)
      .values({
        userId: sql.placeholder('userId'),
        feedId: sql.placeholder('feedId'),
        fromStatus: sql.placeholder('fromStatus'),
        toStatus: sql.placeholder('toStatus'),
        createdAt: sql.placeholder('createdAt'),
      })
      .returning()
      .prepare();
    // Everything older than the feed's newest STATUS_CHANGES_KEPT, through the (feed_id, id) index.
    const oldestKept = db
      .select({ id: feedStatusChanges.id })
      .from(feedStatusChanges)
      .where(eq(feedStatusChanges.feedId, sql.placeholder('feedId')))
      .orderBy(desc(feedStatusChanges.id))
      .limit(1)
      .offset(STATUS_CHANGES_KEPT);
    this.trimChangesStmt = db
      .delete(feedStatusChanges)
      .where(and(eq(feedStatusChanges.feedId, sql.placeholder('feedId')), lte(feedStatusChanges.id, sql`(${oldestKept})`)))
      .prepare();
  }

  list(userId: number): ActionRow[] {
    return this.db.select().from(actions).where(eq(actions.userId, userId)).orderBy(asc(actions.id)).all();
  }

  byId(userId: number, id: number): ActionRow | undefined {
    return this.byIdStmt.get({ userId, id });
  }

  insert(row: ActionInsert): ActionRow {
    return this.db.insert(actions).values(row).returning().get();
  }

  /** The updated row, or undefined when the user has no such action. */
  update(userId: number, id: number, attrs: ActionAttrs): ActionRow | undefined {
    return this.db
      .update(actions)
      .set(attrs)
      .where(and(eq(actions.id, id), eq(actions.userId, userId)))
      .returning()
      .get();
  }

  remove(userId: number, id: number): void {
    this.db
      .delete(actions)
      .where(and(eq(actions.id, id), eq(actions.userId, userId)))
      .run();
  }

  /** The enabled actions of one user, or of every user (the engine's working set at start). */
  enabled(userId?: number): ActionRow[] {
    const on = eq(actions.enabled, true);
    return this.db
      .select()
      .from(actions)
      .where(userId === undefined ? on : and(on, eq(actions.userId, userId)))
      .orderBy(asc(actions.id))
      .all();
  }

  /** Feeds with `status_notify` on, of every user: the status timer watches them from the start. */
  notifyingFeeds(): FeedRow[] {
    return this.db.select().from(feeds).where(eq(feeds.statusNotify, true)).all();
  }

  /** Records a status flip and trims the feed's list to the newest STATUS_CHANGES_KEPT. */
  addStatusChange(row: {
    userId: number;
    feedId: number;
    fromStatus: FeedStatus;
    toStatus: FeedStatus;
    createdAt: number;
  }): FeedStatusChangeRow {
    const added = this.insertChangeStmt.get(row)!;
    this.trimChangesStmt.run({ feedId: row.feedId });
    return added;
  }

  /** The status each feed was last recorded in (feeds never recorded are absent). */
  lastStatuses(feedIds: number[]): Map<number, FeedStatus> {
    const out = new Map<number, FeedStatus>();
    if (feedIds.length === 0) return out;
    const newest = this.db
      .select({ id: sql<number>`max(${feedStatusChanges.id})` })
      .from(feedStatusChanges)
      .where(inArray(feedStatusChanges.feedId, feedIds))
      .groupBy(feedStatusChanges.feedId);
    const rows = this.db
      .select({ feedId: feedStatusChanges.feedId, toStatus: feedStatusChanges.toStatus })
      .from(feedStatusChanges)
      .where(inArray(feedStatusChanges.id, newest))
      .all();
    for (const r of rows) out.set(r.feedId, r.toStatus);
    return out;
  }

  /** The user's status changes (of the feeds listed, or all), newest first. */
  statusChanges(userId: number, feedIds?: number[]): FeedStatusChangeRow[] {
    const mine = eq(feedStatusChanges.userId, userId);
    return this.db
      .select()
      .from(feedStatusChanges)
      .where(feedIds ? and(mine, inArray(feedStatusChanges.feedId, feedIds)) : mine)
      .orderBy(desc(feedStatusChanges.id))
      .all();
  }
}
