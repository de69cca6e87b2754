import { and, count, desc, eq, gte, lt, lte, sql } from 'drizzle-orm';
import type { ActivityRow } from '../core/types.js';
import type { Db } from './open.js';
import { activities } from './schema.js';

/** Which of a user's activities to read; every bound is optional. */
export interface ActivityFilter {
  model?: string;
  /** created_at from (inclusive), ms. */
  startMs?: number;
  /** created_at to (inclusive), ms. */
  endMs?: number;
  /** Only activities with a smaller id. */
  beforeId?: number;
}

/**
 * The activity log: the newest create, update and delete actions of each user, scoped by user. The
 * core records one per `activity` event and keeps each user's list at its cap with trim().
 */
export class ActivityStore {
  // Every create, update and delete of a feed, group, dashboard, block or token writes both.
  private readonly insertStmt;
  private readonly trimStmt;

  constructor(private readonly db: Db) {
    const userId = sql.placeholder('userId');
    this.insertStmt = db
      .insert(activities)
      .values({
        userId,
        action: sql.placeholder('action'),
        model: sql.placeholder('model'),
        data: sql.placeholder('data'),
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
      })
      .prepare();
    // Everything older than the user's newest `limit`, through the (user_id, id) index.
    const oldestKept = db
      .select({ id: activities.id })
      .from(activities)
      .where(eq(activities.userId, userId))
      .orderBy(desc(activities.id))
      .limit(1)
      .offset(sql.placeholder('limit'));
    this.trimStmt = db
      .delete(activities)
      .where(and(eq(activities.userId, userId), lte(activities.id, sql`(${oldestKept})`)))
      .prepare();
  }

  /** `data` is the record as JSON text; created and updated at `now`. */
  insert(row: { userId: number; action: string; model: string; data: string; now: number }): void {
    this.insertStmt.run(row);
  }

  /** Deletes all but the user's newest `keep` activities. */
  trim(userId: number, keep: number): void {
    this.trimStmt.run({ userId, limit: keep });
  }

  /** Newest first, at most `limit`. */
  newest(userId: number, filter: ActivityFilter, limit: number): ActivityRow[] {
    return this.db.select().from(activities).where(this.where(userId, filter)).orderBy(desc(activities.id)).limit(limit).all();
  }

  count(userId: number, filter: ActivityFilter): number {
    return this.db.select({ n: count() }).from(activities).where(this.where(userId, filter)).get()?.n ?? 0;
  }

  /** Removes every activity of the user; returns how many went. */
  clear(userId: number): number {
    return this.db.delete(activities).where(eq(activities.userId, userId)).run().changes;
  }

  private where(userId: number, f: ActivityFilter) {
    return and(
      eq(activities.userId, userId),
      f.model ? eq(activities.model, f.model) : undefined,
      f.startMs !== undefined ? gte(activities.createdAt, f.startMs) : undefined,
      f.endMs !== undefined ? lte(activities.createdAt, f.endMs) : undefined,
      f.beforeId !== undefined ? lt(activities.id, f.beforeId) : undefined,
    );
  }
}
