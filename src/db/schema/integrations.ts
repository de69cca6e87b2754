import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';

/**
 * Integration records: randomizers (`words`), weather and air-quality locations. Their values are not
 * stored: a randomizer's value follows from its settings and the clock, a forecast comes from a provider.
 */
export const integrations = sqliteTable(
  'integrations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    service: text('service', { enum: ['words', 'weather', 'air_quality'] }).notNull(),
    name: text('name').notNull(),
    /** `lat,lon` for weather and air quality; null for randomizers. */
    location: text('location'),
    /** As the client asked (`open_meteo`, `airnow`...); which provider answers is the server's setting. */
    provider: text('provider'),
    /** Randomizer settings as JSON: generator, min, max, values, interval. */
    settings: text('settings').notNull().default('{}'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('integrations_user_idx').on(t.userId), uniqueIndex('integrations_user_service_name_idx').on(t.userId, t.service, t.name)],
);
