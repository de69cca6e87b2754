import type { InferSelectModel } from 'drizzle-orm';
import type { data, feeds, groups, users } from '../db/schema.js';

export type UserRow = InferSelectModel<typeof users>;
export type GroupRow = InferSelectModel<typeof groups>;
export type FeedRow = InferSelectModel<typeof feeds>;
export type DataRow = InferSelectModel<typeof data>;
