import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { dashboards } from './dashboards.js';
import { feeds, groups } from './feeds.js';

/**
 * Who besides its owner may read or write a feed, a group or a dashboard (core/permissions.ts has the
 * rules). The object is named by one of three foreign keys, exactly one set, so that deleting the
 * feed, group or dashboard deletes its permissions in the same statement (cascade); deleting the
 * account a permission was given to deletes it too.
 */
export const permissions = sqliteTable(
  'permissions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The owner of the object (and of the permission). */
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `feed`, `group` or `dashboard`: which of the three ids below is set. */
    model: text('model').notNull(),
    feedId: integer('feed_id').references(() => feeds.id, { onDelete: 'cascade' }),
    groupId: integer('group_id').references(() => groups.id, { onDelete: 'cascade' }),
    dashboardId: integer('dashboard_id').references(() => dashboards.id, { onDelete: 'cascade' }),
    /** `public` (anyone, read only) or `user` (the account in scope_user_id). */
    scope: text('scope').notNull(),
    scopeUserId: integer('scope_user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** `r`, `w` or `rw`. */
    mode: text('mode').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('permissions_user_idx').on(t.userId),
    index('permissions_feed_idx').on(t.feedId),
    index('permissions_group_idx').on(t.groupId),
    index('permissions_dashboard_idx').on(t.dashboardId),
    index('permissions_scope_user_idx').on(t.scopeUserId),
  ],
);
