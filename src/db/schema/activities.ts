import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';

/** The newest create, update and delete actions of each user (core/activities.ts keeps the cap). */
export const activities = sqliteTable(
  'activities',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `create`, `update` or `delete`. */
    action: text('action').notNull(),
    /** The model name as the hosted service spells it: `Feed`, `Group`, `Dashboard`, `Block`, `Token`. */
    model: text('model').notNull(),
    /** The record as it was after the action (before it, for a delete), as JSON text. */
    data: text('data').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('activities_user_idx').on(t.userId, t.id)],
);
