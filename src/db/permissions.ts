import { and, asc, eq, getTableColumns, inArray, isNotNull, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './open.js';
import { blockFeeds, blocks, dashboards, feeds, groupFeeds, groups, permissions, users } from './schema.js';

export type PermissionModel = 'feed' | 'group' | 'dashboard';

/** A feed, group or dashboard of the owner, as a permission names it. */
export interface ObjectRef {
  model: PermissionModel;
  id: number;
}

export type PermissionInsert = typeof permissions.$inferInsert;
/** What an update may change. */
export type PermissionAttrs = Partial<Pick<PermissionInsert, 'scope' | 'scopeUserId' | 'mode' | 'updatedAt'>>;
/** A permission with the username its scope names (null for public). */
export type PermissionRow = typeof permissions.$inferSelect & { scopeUsername: string | null };

/**
 * Whom a lookup is for: `null` is anyone without a key (public permissions only), a number is that
 * account (public ones and those given to it), `'any'` counts every permission whoever it is for.
 */
export type Audience = number | null | 'any';

const OBJECT_COLUMN = {
  feed: permissions.feedId,
  group: permissions.groupId,
  dashboard: permissions.dashboardId,
} as const;

const VISIBLE = { feed: feeds, group: groups, dashboard: dashboards } as const;

/**
 * The permissions table, scoped by the owner's user id. The check made on every request and
 * publish of another user (feedModes) is prepared once: the modes of every permission that reaches
 * a feed, given on the feed itself, on a group it is in, or on a dashboard with a block showing it.
 */
export class PermissionStore {
  private readonly feedModesStmt;
  private readonly objectModesStmt;
  private readonly anyStmt;

  constructor(private readonly db: Db) {
    const ownerId = sql.placeholder('ownerId');
    const feedId = sql.placeholder('feedId');
    const applies = or(eq(permissions.scope, 'public'), eq(permissions.scopeUserId, sql.placeholder('actorId')));
    const groupsOfFeed = db.select({ id: groupFeeds.groupId }).from(groupFeeds).where(eq(groupFeeds.feedId, feedId));
    const dashboardsOfFeed = db
      .select({ id: blocks.dashboardId })
      .from(blockFeeds)
      .innerJoin(blocks, eq(blocks.id, blockFeeds.blockId))
      .where(eq(blockFeeds.feedId, feedId));
    this.feedModesStmt = db
      .select({ mode: permissions.mode })
      .from(permissions)
      .where(
        and(
          eq(permissions.userId, ownerId),
          applies,
          or(
            eq(permissions.feedId, feedId),
            inArray(permissions.groupId, groupsOfFeed),
            inArray(permissions.dashboardId, dashboardsOfFeed),
          ),
        ),
      )
      .prepare();
    this.anyStmt = db.select({ id: permissions.id }).from(permissions).where(eq(permissions.userId, ownerId)).limit(1).prepare();
    this.objectModesStmt = {
      group: this.objectModes('group', applies),
      dashboard: this.objectModes('dashboard', applies),
      feed: this.objectModes('feed', applies),
    };
  }

  private objectModes(model: PermissionModel, applies: SQL | undefined) {
    return this.db
      .select({ mode: permissions.mode })
      .from(permissions)
      .where(and(eq(permissions.userId, sql.placeholder('ownerId')), eq(OBJECT_COLUMN[model], sql.placeholder('objectId')), applies))
      .prepare();
  }

  /** Modes of the permissions reaching the feed for `actorId` (null: public ones only). */
  feedModes(ownerId: number, feedId: number, actorId: number | null): string[] {
    return this.feedModesStmt.all({ ownerId, feedId, actorId }).map((r) => r.mode);
  }

  /** Modes of the permissions given on the object itself for `actorId` (null: public ones only). */
  modesOn(ownerId: number, ref: ObjectRef, actorId: number | null): string[] {
    return this.objectModesStmt[ref.model].all({ ownerId, objectId: ref.id, actorId }).map((r) => r.mode);
  }

  private rows() {
    return this.db
      .select({ ...getTableColumns(permissions), scopeUsername: users.username })
      .from(permissions)
      .leftJoin(users, eq(users.id, permissions.scopeUserId));
  }

  /** The object's permissions, oldest first. */
  list(ownerId: number, ref: ObjectRef): PermissionRow[] {
    return this.rows()
      .where(and(eq(permissions.userId, ownerId), eq(OBJECT_COLUMN[ref.model], ref.id)))
      .orderBy(asc(permissions.id))
      .all();
  }

  byId(ownerId: number, ref: ObjectRef, id: number): PermissionRow | undefined {
    return this.rows()
      .where(and(eq(permissions.userId, ownerId), eq(OBJECT_COLUMN[ref.model], ref.id), eq(permissions.id, id)))
      .get();
  }

  insert(row: PermissionInsert): number {
    return this.db.insert(permissions).values(row).returning({ id: permissions.id }).get().id;
  }

  update(ownerId: number, id: number, attrs: PermissionAttrs): void {
    this.db
      .update(permissions)
      .set(attrs)
      .where(and(eq(permissions.id, id), eq(permissions.userId, ownerId)))
      .run();
  }

  remove(ownerId: number, id: number): void {
    this.db
      .delete(permissions)
      .where(and(eq(permissions.id, id), eq(permissions.userId, ownerId)))
      .run();
  }

  /** Sets the object's `visibility` column (feeds, groups and dashboards each have one). */
  setVisibility(ownerId: number, ref: ObjectRef, visibility: 'public' | 'private'): void {
    const table = VISIBLE[ref.model];
    this.db
      .update(table)
      .set({ visibility })
      .where(and(eq(table.id, ref.id), eq(table.userId, ownerId)))
      .run();
  }

  /**
   * Keeps the object's public permission in step with a `visibility` just written: one public read
   * permission while it is public, none while private. Runs in the caller's transaction.
   */
  syncPublic(ownerId: number, ref: ObjectRef, visibility: string, now: number): void {
    const where = and(eq(permissions.userId, ownerId), eq(OBJECT_COLUMN[ref.model], ref.id), eq(permissions.scope, 'public'));
    if (visibility !== 'public') {
      this.db.delete(permissions).where(where).run();
      return;
    }
    if (this.db.select({ id: permissions.id }).from(permissions).where(where).get()) return;
    this.insert({
      userId: ownerId,
      model: ref.model,
      [OBJECT_COLUMN_PROP[ref.model]]: ref.id,
      scope: 'public',
      mode: 'r',
      createdAt: now,
      updatedAt: now,
    });
  }

  /**
   * The owner's feeds that permissions reach, with the modes reaching each (on the feed, a group it
   * is in, or a dashboard showing it), for `audience`.
   */
  feedGrants(ownerId: number, audience: Audience): Map<number, string[]> {
    const out = new Map<number, string[]>();
    // Most accounts share nothing: one indexed look answers for them (every feed record asks).
    if (!this.anyStmt.get({ ownerId })) return out;
    const applies = this.audience(audience);
    const owned = eq(permissions.userId, ownerId);
    const direct = this.db
      .select({ feedId: permissions.feedId, mode: permissions.mode })
      .from(permissions)
      .where(and(owned, isNotNull(permissions.feedId), applies))
      .all();
    const viaGroup = this.db
      .select({ feedId: groupFeeds.feedId, mode: permissions.mode })
      .from(permissions)
      .innerJoin(groupFeeds, eq(groupFeeds.groupId, permissions.groupId))
      .where(and(owned, applies))
      .all();
    const viaDashboard = this.db
      .select({ feedId: blockFeeds.feedId, mode: permissions.mode })
      .from(permissions)
      .innerJoin(blocks, and(eq(blocks.dashboardId, permissions.dashboardId), eq(blocks.userId, ownerId)))
      .innerJoin(blockFeeds, eq(blockFeeds.blockId, blocks.id))
      .where(and(owned, applies))
      .all();
    for (const { feedId, mode } of [...direct, ...viaGroup, ...viaDashboard]) {
      if (feedId === null) continue;
      const modes = out.get(feedId);
      if (modes) modes.push(mode);
      else out.set(feedId, [mode]);
    }
    return out;
  }

  /** The owner's groups or dashboards that permissions are given on, with their modes, for `audience`. */
  objectGrants(ownerId: number, model: 'group' | 'dashboard', audience: Audience): Map<number, string[]> {
    const col = OBJECT_COLUMN[model];
    const rows = this.db
      .select({ id: col, mode: permissions.mode })
      .from(permissions)
      .where(and(eq(permissions.userId, ownerId), isNotNull(col), this.audience(audience)))
      .all();
    const out = new Map<number, string[]>();
    for (const { id, mode } of rows) {
      if (id === null) continue;
      const modes = out.get(id);
      if (modes) modes.push(mode);
      else out.set(id, [mode]);
    }
    return out;
  }

  /** The accounts a feed is shared with directly, by username. */
  sharedWith(ownerId: number, feedId: number): Array<{ username: string; mode: string }> {
    return this.db
      .select({ username: users.username, mode: permissions.mode })
      .from(permissions)
      .innerJoin(users, eq(users.id, permissions.scopeUserId))
      .where(and(eq(permissions.userId, ownerId), eq(permissions.feedId, feedId), eq(permissions.scope, 'user')))
      .orderBy(asc(permissions.id))
      .all();
  }

  private audience(audience: Audience): SQL | undefined {
    if (audience === 'any') return undefined;
    if (audience === null) return eq(permissions.scope, 'public');
    return or(eq(permissions.scope, 'public'), eq(permissions.scopeUserId, audience));
  }
}

const OBJECT_COLUMN_PROP = { feed: 'feedId', group: 'groupId', dashboard: 'dashboardId' } as const;
