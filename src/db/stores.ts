import { AccountStore } from './accounts.js';
import { ActionStore } from './actions.js';
import { ActivityStore } from './activities.js';
import { BlockStore } from './blocks.js';
import { ChartStatements } from './chart-statements.js';
import { DashboardStore } from './dashboards.js';
import { DataStatements } from './data-statements.js';
import { FeedStore } from './feeds.js';
import { GroupStore } from './groups.js';
import { IntegrationStore } from './integrations.js';
import { LayoutStore } from './layouts.js';
import type { Db } from './open.js';
import { PermissionStore } from './permissions.js';
import { ResetStatements } from './reset-statements.js';
import { SessionStatements } from './session-statements.js';
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
  chart: ChartStatements;
  accounts: AccountStore;
  feeds: FeedStore;
  groups: GroupStore;
  sessions: SessionStatements;
  dashboards: DashboardStore;
  blocks: BlockStore;
  layouts: LayoutStore;
  tokens: TokenStore;
  activities: ActivityStore;
  webhooks: WebhookStore;
  actions: ActionStore;
  permissions: PermissionStore;
  integrations: IntegrationStore;
  /** The test control plane's reset, seed and export. */
  reset: ResetStatements;
}

export function openStores(db: Db): Stores {
  const tx = new Transactions(db.$client);
  return {
    tx,
    data: new DataStatements(db.$client),
    chart: new ChartStatements(db),
    accounts: new AccountStore(db),
    feeds: new FeedStore(db, tx),
    groups: new GroupStore(db),
    sessions: new SessionStatements(db),
    dashboards: new DashboardStore(db),
    blocks: new BlockStore(db),
    layouts: new LayoutStore(db),
    tokens: new TokenStore(db),
    activities: new ActivityStore(db),
    webhooks: new WebhookStore(db),
    actions: new ActionStore(db),
    permissions: new PermissionStore(db),
    integrations: new IntegrationStore(db),
    reset: new ResetStatements(db),
  };
}
