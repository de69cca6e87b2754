import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { TokenRow, UserRow } from '../core/types.js';
import type { Db } from './open.js';
import { consoleSessions, tokens, users } from './schema.js';

export type ConsoleSessionRow = typeof consoleSessions.$inferSelect;
export type ConsoleSessionInsert = typeof consoleSessions.$inferInsert;

export interface ConsoleSessionFound {
  session: ConsoleSessionRow;
  user: UserRow;
  token: TokenRow | null;
}

/**
 * Console sessions by the hash of their secret. Every console request looks one up (with its user and
 * token in the same statement) and usually moves its last-seen time: both prepared once.
 */
export class ConsoleSessionStore {
  private readonly bySecretStmt;
  private readonly touchStmt;

  constructor(private readonly db: Db) {
    this.bySecretStmt = db
      .select({ session: consoleSessions, user: users, token: tokens })
      .from(consoleSessions)
      .innerJoin(users, eq(users.id, consoleSessions.userId))
      .leftJoin(tokens, eq(tokens.id, consoleSessions.tokenId))
      .where(eq(consoleSessions.secretHash, sql.placeholder('hash')))
      .prepare();
    this.touchStmt = db
      .update(consoleSessions)
      .set({ lastSeen: sql`${sql.placeholder('now')}` })
      .where(eq(consoleSessions.id, sql.placeholder('id')))
      .prepare();
  }

  insert(row: ConsoleSessionInsert): ConsoleSessionRow {
    return this.db.insert(consoleSessions).values(row).returning().get();
  }

  bySecretHash(hash: string): ConsoleSessionFound | undefined {
    return this.bySecretStmt.get({ hash });
  }

  touch(id: number, now: number): void {
    this.touchStmt.run({ id, now });
  }

  remove(id: number): void {
    this.db.delete(consoleSessions).where(eq(consoleSessions.id, id)).run();
  }

  /** The key sessions of a user (its key was replaced); returns their ids. */
  removeKeySessions(userId: number): number[] {
    return this.db
      .delete(consoleSessions)
      .where(and(eq(consoleSessions.userId, userId), isNull(consoleSessions.tokenId)))
      .returning({ id: consoleSessions.id })
      .all()
      .map((r) => r.id);
  }

  /** Sessions idle since before `before`. */
  removeIdle(before: number): number {
    return this.db.delete(consoleSessions).where(lt(consoleSessions.lastSeen, before)).run().changes;
  }
}
