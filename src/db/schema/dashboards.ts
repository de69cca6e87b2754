import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { feeds, groups } from './feeds.js';

export const dashboards = sqliteTable(
  'dashboards',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    visibility: text('visibility').notNull().default('private'),
    showHeader: integer('show_header', { mode: 'boolean' }).notNull().default(false),
    headerImageUrl: text('header_image_url'),
    colorMode: text('color_mode').notNull().default('dark'),
    blockBorders: integer('block_borders', { mode: 'boolean' }).notNull().default(true),
    allowOverlap: integer('allow_overlap', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('dashboards_user_key_idx').on(t.userId, t.key)],
);

export const blocks = sqliteTable(
  'blocks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    dashboardId: integer('dashboard_id')
      .notNull()
      .references(() => dashboards.id, { onDelete: 'cascade' }),
    name: text('name'),
    description: text('description'),
    visualType: text('visual_type').notNull(),
    /** Grid position as the client gave it (Arduino sets it); null when the layouts decide. */
    column: integer('grid_column'),
    row: integer('grid_row'),
    sizeX: integer('size_x').notNull().default(4),
    sizeY: integer('size_y').notNull().default(4),
    /** The `properties` object exactly as sent, as JSON text. */
    properties: text('properties').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('blocks_dashboard_idx').on(t.dashboardId, t.id)],
);

/** A block's connections to feeds; deleting the feed (or the block) removes the connection. */
export const blockFeeds = sqliteTable(
  'block_feeds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockId: integer('block_id')
      .notNull()
      .references(() => blocks.id, { onDelete: 'cascade' }),
    feedId: integer('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
    /** The group the feed was chosen through; null once that group is gone (the feed's home group is shown then). */
    groupId: integer('group_id').references(() => groups.id, { onDelete: 'set null' }),
  },
  (t) => [index('block_feeds_block_idx').on(t.blockId), index('block_feeds_feed_idx').on(t.feedId)],
);

/** One entry per block per breakpoint (xl, lg, md, sm, xs); `position` keeps the order they were given in. */
export const layouts = sqliteTable(
  'layouts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    dashboardId: integer('dashboard_id')
      .notNull()
      .references(() => dashboards.id, { onDelete: 'cascade' }),
    blockId: integer('block_id')
      .notNull()
      .references(() => blocks.id, { onDelete: 'cascade' }),
    breakpoint: text('breakpoint').notNull(),
    position: integer('position').notNull(),
    x: integer('x').notNull(),
    y: integer('y').notNull(),
    w: integer('w').notNull(),
    h: integer('h').notNull(),
    z: integer('z'),
  },
  (t) => [
    uniqueIndex('layouts_block_breakpoint_idx').on(t.blockId, t.breakpoint),
    index('layouts_dashboard_idx').on(t.dashboardId, t.breakpoint, t.position),
  ],
);
