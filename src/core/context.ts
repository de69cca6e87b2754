import type { Config } from '../config.js';
import type { Stores } from '../db/stores.js';
import type { Transactions } from '../db/transactions.js';
import type { Clock } from './clock.js';
import type { CoreEventBus } from './events.js';
import type { IdFactory } from './ids.js';
import type { Bans } from './bans.js';
import type { Limiter } from './limiter.js';
import type { Metrics } from './metrics.js';
import type { WriteQueue } from './write-queue.js';

/** What every domain service is built from. */
export interface Ctx {
  /** Every table family's persistence; nothing outside src/db builds a query. */
  stores: Stores;
  config: Config;
  clock: Clock;
  events: CoreEventBus;
  ids: IdFactory;
  limiter: Limiter;
  bans: Bans;
  /** Every write transaction of the core; events of stored state wait for its commit. */
  tx: Transactions;
  /** Group commit for the writes the doors acknowledge (data posts, MQTT publishes). */
  writes: WriteQueue;
  /** Prometheus metrics (core/metrics.ts), only when AIO_METRICS_TOKEN is set. */
  metrics?: Metrics;
}
