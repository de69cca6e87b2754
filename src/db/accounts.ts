import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { UserRow } from '../core/types.js';
import type { Db } from './open.js';
import { dashboards, feeds, groups, users } from './schema.js';

export type UserInsert = typeof users.$inferInsert;
/** What an update may change: anything but the row's id. */
export type UserAttrs = Partial<Omit<UserInsert, 'id'>>;

/** An account's own caps on its records; null where the server default applies. */
export interface StoredLimits {
  feeds: number | null;
  groups: number | null;
  dashboards: number | null;
}

/**
 * The users table (accounts and their key hashes), what the account limits count, and the signal
 * that another connection (the account command, a second process on the same file) has committed:
 * SQLite's data_version, which the core's key cache and key watch poll. Logins look an account up by
 * key hash on every request the cache misses, so those statements are prepared once.
 */
export class AccountStore {
  private readonly byHashStmt;
  private readonly byNameStmt;
  private readonly byIdStmt;
  private readonly keyHashStmt;
  private readonly limitsStmt;
  private readonly dataVersionStmt;

  constructor(private readonly db: Db) {
    this.byHashStmt = db
      .select()
      .from(users)
      .where(eq(users.keyHash, sql.placeholder('hash')))
      .prepare();
    this.byNameStmt = db
      .select()
      .from(users)
      .where(eq(users.username, sql.placeholder('username')))
      .prepare();
    this.byIdStmt = db
      .select()
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare();
    this.keyHashStmt = db
      .select({ keyHash: users.keyHash })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare();
    this.limitsStmt = db
      .select({ feeds: users.maxFeeds, groups: users.maxGroups, dashboards: users.maxDashboards })
      .from(users)
      .where(eq(users.id, sql.placeholder('id')))
      .prepare();
    this.dataVersionStmt = db.$client.prepare('PRAGMA data_version').pluck();
  }

  /** The account whose key hashes to `hash`. */
  byKeyHash(hash: string): UserRow | undefined {
    return this.byHashStmt.get({ hash });
  }

  byUsername(username: string): UserRow | undefined {
    return this.byNameStmt.get({ username });
  }

  byId(userId: number): UserRow | undefined {
    return this.byIdStmt.get({ id: userId });
  }

  /** The account's current key hash, read afresh (undefined if it is gone). */
  keyHash(userId: number): string | undefined {
    return this.keyHashStmt.get({ id: userId })?.keyHash;
  }

  list(): UserRow[] {
    return this.db.select().from(users).orderBy(asc(users.id)).all();
  }

  insert(row: UserInsert): UserRow {
    return this.db.insert(users).values(row).returning().get();
  }

  /** The updated row, or undefined when there is no such account. */
  update(userId: number, attrs: UserAttrs): UserRow | undefined {
    return this.db.update(users).set(attrs).where(eq(users.id, userId)).returning().get();
  }

  /** The account's own record limits as stored, or undefined when there is no such account. */
  limits(userId: number): StoredLimits | undefined {
    return this.limitsStmt.get({ id: userId });
  }

  /** How many of a limited kind the account has; groups are counted without the `default` one. */
  countOwned(userId: number, kind: keyof StoredLimits): number {
    const { db } = this;
    const q =
      kind === 'feeds'
        ? db.select({ n: count() }).from(feeds).where(eq(feeds.userId, userId))
        : kind === 'groups'
          ? db
              .select({ n: count() })
              .from(groups)
              .where(and(eq(groups.userId, userId), ne(groups.key, 'default')))
          : db.select({ n: count() }).from(dashboards).where(eq(dashboards.userId, userId));
    return q.get()?.n ?? 0;
  }

  /** Changes whenever another connection commits to the file (not on this connection's own commits). */
  dataVersion(): number {
    return this.dataVersionStmt.get() as number;
  }

  /** False once the connection is closed (the core is stopping). */
  get isOpen(): boolean {
    return this.db.$client.open;
  }
}
