import { AccountStore } from './accounts.js';
import { DataStatements } from './data-statements.js';
import { FeedStore } from './feeds.js';
import { GroupStore } from './groups.js';
import type { Db } from './open.js';
import { PermissionStore } from './permissions.js';
import { Transactions } from './transactions.js';

/**
 * Everything the core reads and writes, one store per table family, each scoped by user id with its
 * hot statements prepared once. This is the seam for a second backend: PostgreSQL through Drizzle
 * would provide the same stores (and Transactions) over its own driver, and the core would not change.
 * Nothing outside src/db/ builds a query or touches the driver.
 */
export interface Stores {
  tx: Transactions;
  data: DataStatements;
  accounts: AccountStore;
  feeds: FeedStore;
  groups: GroupStore;
  permissions: PermissionStore;
}

export function openStores(db: Db): Stores {
  const tx = new Transactions(db.$client);
  return {
    tx,
    data: new DataStatements(db.$client),
    accounts: new AccountStore(db),
    feeds: new FeedStore(db, tx),
    groups: new GroupStore(db),
    permissions: new PermissionStore(db),
  };
}
