import { and, asc, eq, sql } from 'drizzle-orm';
import type { TokenRow, UserRow } from '../core/types.js';
import type { Db } from './open.js';
import { tokens, users } from './schema.js';

export type TokenInsert = typeof tokens.$inferInsert;
/** The columns an update may set (never the owner, the id or the secret). */
export type TokenAttrs = Partial<Omit<TokenInsert, 'id' | 'userId' | 'secretHash'>>;

/**
 * Scoped tokens, each with the sha256 of its secret (never the secret). Owned rows are looked up by
 * owner; the two lookups that cannot know the owner (a login by secret, and the broker re-checking
 * the token a session logged in with) say so in their names.
 */
export class TokenStore {
  // Every token login (HTTP request or MQTT CONNECT) and every token re-check goes through these.
  private readonly bySecretHashStmt;
  private readonly byIdStmt;

  constructor(private readonly db: Db) {
    this.bySecretHashStmt = db
      .select({ token: tokens, user: users })
      .from(tokens)
      .innerJoin(users, eq(users.id, tokens.userId))
      .where(eq(tokens.secretHash, sql.placeholder('hash')))
      .prepare();
    this.byIdStmt = db
      .select()
      .from(tokens)
      .where(eq(tokens.id, sql.placeholder('id')))
      .prepare();
  }

  /** The token with this secret hash and its owner, whoever that is. */
  withUserBySecretHash(hash: string): { token: TokenRow; user: UserRow } | undefined {
    return this.bySecretHashStmt.get({ hash });
  }

  /** A token by id, whoever owns it. */
  byIdOfAnyUser(id: number): TokenRow | undefined {
    return this.byIdStmt.get({ id });
  }

  list(userId: number): TokenRow[] {
    return this.db.select().from(tokens).where(eq(tokens.userId, userId)).orderBy(asc(tokens.id)).all();
  }

  byId(userId: number, id: number): TokenRow | undefined {
    return this.db
      .select()
      .from(tokens)
      .where(and(eq(tokens.userId, userId), eq(tokens.id, id)))
      .get();
  }

  insert(row: TokenInsert): TokenRow {
    return this.db.insert(tokens).values(row).returning().get();
  }

  update(userId: number, id: number, attrs: TokenAttrs): TokenRow {
    return this.db
      .update(tokens)
      .set(attrs)
      .where(and(eq(tokens.userId, userId), eq(tokens.id, id)))
      .returning()
      .get();
  }

  remove(userId: number, id: number): void {
    this.db
      .delete(tokens)
      .where(and(eq(tokens.userId, userId), eq(tokens.id, id)))
      .run();
  }
}
