import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { feeds } from './feeds.js';

/**
 * Webhook receivers: a secret URL that writes to one feed without a key. The token is a capability,
 * like a key, so only its sha256 is kept: the URL is shown once, when the receiver is made.
 */
export const webhookReceivers = sqliteTable(
  'webhook_receivers',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    feedId: integer('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
    /** Which URL the receiver was made for: `data` (value/payload fields), `raw` (the body) or `notify` ("ping"). */
    kind: text('kind', { enum: ['data', 'raw', 'notify'] })
      .notNull()
      .default('data'),
    /** sha256 of the token, hex. */
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('webhook_receivers_token_hash_idx').on(t.tokenHash),
    index('webhook_receivers_feed_idx').on(t.feedId),
    index('webhook_receivers_user_idx').on(t.userId),
  ],
);
