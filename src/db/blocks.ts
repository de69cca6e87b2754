import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { BlockRow } from '../core/types.js';
import type { Db } from './open.js';
import { blockFeeds, blocks, feeds, groups } from './schema.js';

export type BlockInsert = typeof blocks.$inferInsert;
/** The columns an update may set (never the owner, the dashboard or the id). */
export type BlockAttrs = Partial<Omit<BlockInsert, 'id' | 'userId' | 'dashboardId'>>;

/** A block's connection to a feed, with the feed and the group it shows. */
export interface BlockConnection {
  id: number;
  blockId: number;
  feed: { id: number; name: string; key: string };
  group: { id: number; name: string; key: string } | null;
}

/**
 * Dashboard blocks and their feed connections (block_feeds), scoped by their owner. A block's layout
 * entries are in db/layouts.ts; deleting a block takes them and its connections with it (the schema
 * cascades), and so does deleting a connected feed.
 */
export class BlockStore {
  constructor(private readonly db: Db) {}

  /** The blocks of these dashboards, oldest first. */
  list(userId: number, dashboardIds: readonly number[]): BlockRow[] {
    if (dashboardIds.length === 0) return [];
    return this.db
      .select()
      .from(blocks)
      .where(
        and(
          eq(blocks.userId, userId),
          dashboardIds.length === 1 ? eq(blocks.dashboardId, dashboardIds[0]!) : inArray(blocks.dashboardId, [...dashboardIds]),
        ),
      )
      .orderBy(asc(blocks.id))
      .all();
  }

  /** A block of this dashboard. */
  byId(userId: number, dashboardId: number, id: number): BlockRow | undefined {
    return this.db
      .select()
      .from(blocks)
      .where(and(eq(blocks.userId, userId), eq(blocks.dashboardId, dashboardId), eq(blocks.id, id)))
      .get();
  }

  /** The ids of a dashboard's blocks. */
  ids(userId: number, dashboardId: number): number[] {
    return this.db
      .select({ id: blocks.id })
      .from(blocks)
      .where(and(eq(blocks.userId, userId), eq(blocks.dashboardId, dashboardId)))
      .all()
      .map((b) => b.id);
  }

  insert(row: BlockInsert): BlockRow {
    return this.db.insert(blocks).values(row).returning().get();
  }

  update(userId: number, id: number, attrs: BlockAttrs): BlockRow {
    return this.db
      .update(blocks)
      .set(attrs)
      .where(and(eq(blocks.userId, userId), eq(blocks.id, id)))
      .returning()
      .get();
  }

  remove(userId: number, id: number): void {
    this.db
      .delete(blocks)
      .where(and(eq(blocks.userId, userId), eq(blocks.id, id)))
      .run();
  }

  /** Connects the block to each feed, through the group given (in this order). */
  connect(userId: number, blockId: number, links: ReadonlyArray<{ feedId: number; groupId: number | null }>): void {
    if (links.length === 0) return;
    this.db
      .insert(blockFeeds)
      .values(links.map((l) => ({ userId, blockId, feedId: l.feedId, groupId: l.groupId })))
      .run();
  }

  /** Removes every feed connection of the block. */
  disconnect(userId: number, blockId: number): void {
    this.db
      .delete(blockFeeds)
      .where(and(eq(blockFeeds.userId, userId), eq(blockFeeds.blockId, blockId)))
      .run();
  }

  /** The connections of these blocks, in the order they were made. */
  connections(userId: number, blockIds: readonly number[]): BlockConnection[] {
    if (blockIds.length === 0) return [];
    return (
      this.db
        .select({
          id: blockFeeds.id,
          blockId: blockFeeds.blockId,
          feed: { id: feeds.id, name: feeds.name, key: feeds.key },
          group: { id: groups.id, name: groups.name, key: groups.key },
        })
        .from(blockFeeds)
        .innerJoin(feeds, eq(feeds.id, blockFeeds.feedId))
        // A connection whose group has gone shows the feed's home group.
        .leftJoin(groups, eq(groups.id, sql`coalesce(${blockFeeds.groupId}, ${feeds.groupId})`))
        .where(
          and(
            eq(blockFeeds.userId, userId),
            blockIds.length === 1 ? eq(blockFeeds.blockId, blockIds[0]!) : inArray(blockFeeds.blockId, [...blockIds]),
          ),
        )
        .orderBy(asc(blockFeeds.id))
        .all()
    );
  }
}
