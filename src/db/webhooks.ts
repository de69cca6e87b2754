import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { FeedRow, UserRow, WebhookRow } from '../core/types.js';
import type { Db } from './open.js';
import { feeds, users, webhookReceivers } from './schema.js';

export type WebhookInsert = typeof webhookReceivers.$inferInsert;

/**
 * Webhook receivers, each with the sha256 of its token (never the token), scoped by their owner. The
 * one lookup that cannot know the owner, by token hash, is how a receiver URL finds its feed.
 */
export class WebhookStore {
  // Every post to a receiver URL starts here.
  private readonly byTokenHashStmt;

  constructor(private readonly db: Db) {
    this.byTokenHashStmt = db
      .select({ receiver: webhookReceivers, feed: feeds, user: users })
      .from(webhookReceivers)
      .innerJoin(feeds, eq(feeds.id, webhookReceivers.feedId))
      .innerJoin(users, eq(users.id, webhookReceivers.userId))
      .where(eq(webhookReceivers.tokenHash, sql.placeholder('hash')))
      .prepare();
  }

  /** The receiver with this token hash, with its feed and its owner, whoever that is. */
  withFeedByTokenHash(hash: string): { receiver: WebhookRow; feed: FeedRow; user: UserRow } | undefined {
    return this.byTokenHashStmt.get({ hash });
  }

  insert(row: WebhookInsert): WebhookRow {
    return this.db.insert(webhookReceivers).values(row).returning().get();
  }

  /** The receivers of the user's feeds (all of them, or the ones given), oldest first. */
  list(userId: number, feedIds?: readonly number[]): WebhookRow[] {
    return this.db
      .select()
      .from(webhookReceivers)
      .where(
        feedIds
          ? and(
              eq(webhookReceivers.userId, userId),
              feedIds.length === 1 ? eq(webhookReceivers.feedId, feedIds[0]!) : inArray(webhookReceivers.feedId, [...feedIds]),
            )
          : eq(webhookReceivers.userId, userId),
      )
      .orderBy(asc(webhookReceivers.id))
      .all();
  }

  /** A receiver of this feed. */
  byId(userId: number, feedId: number, id: number): WebhookRow | undefined {
    return this.db
      .select()
      .from(webhookReceivers)
      .where(and(eq(webhookReceivers.userId, userId), eq(webhookReceivers.feedId, feedId), eq(webhookReceivers.id, id)))
      .get();
  }

  remove(userId: number, id: number): void {
    this.db
      .delete(webhookReceivers)
      .where(and(eq(webhookReceivers.userId, userId), eq(webhookReceivers.id, id)))
      .run();
  }
}
