import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { feeds } from './feeds.js';

/**
 * Actions (the hosted API's "triggers"): when something happens (a point on `feed_id`, a schedule, a
 * feed going quiet or coming back), do something (write to a feed, post a webhook, send an email).
 * Every feed a trigger names is its owner's; deleting that feed deletes the trigger, which could
 * no longer run.
 */
export const actions = sqliteTable(
  'actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** `reactive` (a point on feed_id), `scheduled` (schedule) or `timer` (feed_id going offline or online). */
    triggerType: text('trigger_type', { enum: ['reactive', 'scheduled', 'timer'] }).notNull(),
    feedId: integer('feed_id').references(() => feeds.id, { onDelete: 'cascade' }),
    /** Reactive: a comparison (`gt`, `gte`, `lt`, `lte`, `eq`, `ne`); timer: `offline`, `online` or `change`. */
    operator: text('operator'),
    /** What a reactive trigger compares with, unless it compares with the last value of to_feed_id. */
    value: text('value'),
    toFeedId: integer('to_feed_id').references(() => feeds.id, { onDelete: 'cascade' }),
    /** Scheduled: `every N minutes|hours`, `daily at HH:MM` or a cron expression, in the owner's time zone. */
    schedule: text('schedule'),
    /** The output: `feed`, `webhook` or `email`. */
    action: text('action', { enum: ['feed', 'webhook', 'email'] }).notNull(),
    actionFeedId: integer('action_feed_id').references(() => feeds.id, { onDelete: 'cascade' }),
    /** What the output sends; null means the value that fired it. */
    actionValue: text('action_value'),
    actionUrl: text('action_url'),
    actionEmail: text('action_email'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('actions_user_idx').on(t.userId, t.id),
    index('actions_feed_idx').on(t.feedId),
    index('actions_to_feed_idx').on(t.toFeedId),
    index('actions_action_feed_idx').on(t.actionFeedId),
  ],
);

/** A feed's status flips (online ⇄ offline), recorded by the feed status timer (core/actions). */
export const feedStatusChanges = sqliteTable(
  'feed_status_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    feedId: integer('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: ['online', 'offline'] }).notNull(),
    toStatus: text('to_status', { enum: ['online', 'offline'] }).notNull(),
    /** The hosted service emails the owner; this server has no owner address, so these stay false and null. */
    emailSent: integer('email_sent', { mode: 'boolean' }).notNull().default(false),
    emailSentTo: text('email_sent_to'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('feed_status_changes_feed_idx').on(t.feedId, t.id), index('feed_status_changes_user_idx').on(t.userId)],
);
