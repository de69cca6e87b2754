export * from './schema/accounts.js';
export * from './schema/feeds.js';
export * from './schema/dashboards.js';
export * from './schema/chart.js';
