import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import type { Clock } from './clock.js';
import type { CoreEventBus } from './events.js';
import type { IdFactory } from './ids.js';
import type { Bans } from './bans.js';
import type { Limiter } from './limiter.js';

/** What every domain service is built from. */
export interface Ctx {
  db: Db;
  config: Config;
  clock: Clock;
  events: CoreEventBus;
  ids: IdFactory;
  limiter: Limiter;
  bans: Bans;
}
