import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';

export const groups = sqliteTable(
  'groups',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    visibility: text('visibility').notNull().default('private'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('groups_user_key_idx').on(t.userId, t.key)],
);

export const feeds = sqliteTable(
  'feeds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The feed's home group: its key prefix (`group.feed`) comes from it, and deleting it deletes the feed. */
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    /** The full key, `group.feed` outside the default group. */
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    license: text('license'),
    history: integer('history', { mode: 'boolean' }).notNull().default(true),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    visibility: text('visibility').notNull().default('private'),
    unitType: text('unit_type'),
    unitSymbol: text('unit_symbol'),
    statusNotify: integer('status_notify', { mode: 'boolean' }).notNull().default(false),
    statusTimeout: integer('status_timeout').notNull().default(4320),
    lastValue: text('last_value'),
    lastValueAt: integer('last_value_at'),
    /** Points stored for this feed, kept in step with every insert and delete so totals never scan. */
    dataCount: integer('data_count').notNull().default(0),
    /** Id of the last record handed out by data/next, data/last or data/first. */
    readPointer: text('read_pointer'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('feeds_user_key_idx').on(t.userId, t.key), index('feeds_group_idx').on(t.groupId)],
);

/** Membership of feeds in groups beyond their home group (the home group is listed here too). */
export const groupFeeds = sqliteTable(
  'group_feeds',
  {
    groupId: integer('group_id')
      .notNull()
      .references(() => groups.id, { onDelete: 'cascade' }),
    feedId: integer('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.feedId] }), index('group_feeds_feed_idx').on(t.feedId)],
);

export const data = sqliteTable(
  'data',
  {
    /** 26-character Crockford base32, time-sortable by created_at (see core/ids.ts). */
    id: text('id').primaryKey(),
    feedId: integer('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    value: text('value').notNull(),
    lat: real('lat'),
    lon: real('lon'),
    ele: real('ele'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('data_feed_id_idx').on(t.feedId, t.id)],
);
