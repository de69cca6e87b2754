import { integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull(),
    name: text('name'),
    /** sha256 of the AIO key, hex; keys are never stored in the clear. */
    keyHash: text('key_hash').notNull(),
    color: text('color'),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** Data points per minute for this account; null means the server default. */
    rateLimit: integer('rate_limit'),
    /** How many feeds, groups (besides `default`) and dashboards the account may have; 0 = unlimited, null = the server default. */
    maxFeeds: integer('max_feeds'),
    maxGroups: integer('max_groups'),
    maxDashboards: integer('max_dashboards'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('users_username_idx').on(t.username), uniqueIndex('users_key_hash_idx').on(t.keyHash)],
);
