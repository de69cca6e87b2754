export * from './schema/accounts.js';
export * from './schema/feeds.js';
