import { blob, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { feeds } from './feeds.js';

/**
 * Chart rollups (see core/chart/slots.ts). Per feed and per span of 1, 5 and 60 minutes, each slot that
 * holds points has a count, a count of numbers, their sum, minimum and maximum, and the newest
 * value. Slots are stored 60 to a row (a block), so that writing a batch of points touches a few
 * rows and a long chart reads few. They cover exactly the feed's points up to
 * `chart_progress.folded_id`. Derived data: it can always be rebuilt from `data`.
 */
export const chartBlocks = sqliteTable(
  'chart_blocks',
  {
    feedId: integer('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Minutes per slot. */
    span: integer('span').notNull(),
    /** Slots block * 60 to block * 60 + 59; slot s starts s * span minutes after the epoch. */
    block: integer('block').notNull(),
    /**
     * Six little-endian float64 per slot that holds points, in slot order: slot - block * 60, count,
     * count of numbers, sum, minimum, maximum (NaN when there are no numbers).
     */
    stats: blob('stats', { mode: 'buffer' }).notNull(),
    /** JSON array of the newest value of each of those slots, same order. */
    lasts: text('lasts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.feedId, t.span, t.block] })],
);

/**
 * How far each feed's rollups reach. Points with ids up to `folded_id` are in the rollups; newer
 * ones (at most a few hundred) are read raw by charts and folded in in batches, so that writing a
 * point costs next to nothing extra. No row: nothing folded, no rollups.
 */
export const chartProgress = sqliteTable('chart_progress', {
  feedId: integer('feed_id')
    .primaryKey()
    .references(() => feeds.id, { onDelete: 'cascade' }),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  foldedId: text('folded_id').notNull(),
  /** How many of the feed's points are folded; `feeds.data_count` minus this is the backlog. */
  foldedN: integer('folded_n').notNull(),
});
