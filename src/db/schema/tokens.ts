import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { feeds } from './feeds.js';

/**
 * Scoped credentials of a user: they log in like the AIO key, within their flags, their feed and
 * their expiration. The secret is stored as its sha256 only and shown once, on creation.
 */
export const tokens = sqliteTable(
  'tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /**
     * The one feed the token may touch; null for all. Deleting the feed deletes the token: setting it
     * to null would widen the token to every feed.
     */
    feedId: integer('feed_id').references(() => feeds.id, { onDelete: 'cascade' }),
    /** sha256 of the secret, hex. */
    secretHash: text('secret_hash').notNull(),
    readable: integer('readable', { mode: 'boolean' }).notNull().default(true),
    createable: integer('createable', { mode: 'boolean' }).notNull().default(true),
    updateable: integer('updateable', { mode: 'boolean' }).notNull().default(true),
    deleteable: integer('deleteable', { mode: 'boolean' }).notNull().default(true),
    /** ms since the epoch after which the token is refused; null for never. */
    expiration: integer('expiration'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('tokens_secret_hash_idx').on(t.secretHash),
    index('tokens_user_idx').on(t.userId),
    index('tokens_feed_idx').on(t.feedId),
  ],
);
