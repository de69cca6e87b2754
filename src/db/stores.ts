import { ActivityStore } from './activities.js';
import { BlockStore } from './blocks.js';
import { DashboardStore } from './dashboards.js';
import { DataStatements } from './data-statements.js';
import { LayoutStore } from './layouts.js';
import type { Db } from './open.js';
import { TokenStore } from './tokens.js';
import { Transactions } from './transactions.js';
import { WebhookStore } from './webhooks.js';

/**
 * Everything the core reads and writes, one store per table family, each scoped by user id with its
 * hot statements prepared once. This is the seam for a second backend: PostgreSQL through Drizzle
 * would provide the same stores (and Transactions) over its own driver, and the core would not change.
 * Nothing outside src/db/ builds a query or touches the driver.
 */
export interface Stores {
  tx: Transactions;
  data: DataStatements;
  dashboards: DashboardStore;
  blocks: BlockStore;
  layouts: LayoutStore;
  tokens: TokenStore;
  activities: ActivityStore;
  webhooks: WebhookStore;
}

export function openStores(db: Db): Stores {
  return {
    tx: new Transactions(db.$client),
    data: new DataStatements(db.$client),
    dashboards: new DashboardStore(db),
    blocks: new BlockStore(db),
    layouts: new LayoutStore(db),
    tokens: new TokenStore(db),
    activities: new ActivityStore(db),
    webhooks: new WebhookStore(db),
  };
}
