import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { tokens } from './tokens.js';

/**
 * Web console sign-ins (core/console-sessions.ts). The cookie's secret is stored as its sha256 only:
 * a copy of the file signs nobody in. Deleting the token a session was made from deletes the session.
 */
export const consoleSessions = sqliteTable(
  'console_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** sha256 of the cookie's secret, hex. */
    secretHash: text('secret_hash').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The scoped token it signed in with; null for a sign-in with the account key. */
    tokenId: integer('token_id').references(() => tokens.id, { onDelete: 'cascade' }),
    /** Key sign-ins: the account's key hash then; once the key is replaced the session is over. */
    keyHash: text('key_hash'),
    createdAt: integer('created_at').notNull(),
    /** ms since the epoch of the last request; the idle timeout counts from here. */
    lastSeen: integer('last_seen').notNull(),
  },
  (t) => [
    uniqueIndex('console_sessions_secret_idx').on(t.secretHash),
    index('console_sessions_user_idx').on(t.userId),
    index('console_sessions_token_idx').on(t.tokenId),
  ],
);
