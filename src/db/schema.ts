export * from './schema/accounts.js';
export * from './schema/feeds.js';
export * from './schema/dashboards.js';
export * from './schema/chart.js';
export * from './schema/webhooks.js';
export * from './schema/tokens.js';
export * from './schema/activities.js';
export * from './schema/sessions.js';
