import type { activities, blocks, dashboards, data, feeds, groups, layouts, tokens, users, webhookReceivers } from '../db/schema.js';

export type UserRow = typeof users.$inferSelect;
export type GroupRow = typeof groups.$inferSelect;
export type FeedRow = typeof feeds.$inferSelect;
export type DataRow = typeof data.$inferSelect;
export type DashboardRow = typeof dashboards.$inferSelect;
export type BlockRow = typeof blocks.$inferSelect;
export type LayoutRow = typeof layouts.$inferSelect;
export type TokenRow = typeof tokens.$inferSelect;
export type ActivityRow = typeof activities.$inferSelect;
export type WebhookRow = typeof webhookReceivers.$inferSelect;
