import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { openStores } from '../db/stores.js';
import { Accounts } from './accounts.js';
import { Actions } from './actions.js';
import { Activities } from './activities.js';
import { Chart } from './chart/read.js';
import { Blocks } from './blocks.js';
import { systemClock, type Clock } from './clock.js';
import type { Ctx } from './context.js';
import { Data } from './data.js';
import { Dashboards } from './dashboards.js';
import { CoreEventBus } from './events.js';
import { Feeds } from './feeds.js';
import { Groups } from './groups.js';
import { IdFactory } from './ids.js';
import { Integrations } from './integrations/integrations.js';
import { Bans } from './bans.js';
import { DashboardLayouts } from './layouts.js';
import { Limiter } from './limiter.js';
import { Serializers } from './serializers.js';
import { Sessions } from './sessions.js';
import { Tokens } from './tokens.js';
import type { UserRow } from './types.js';
import { Webhooks, webhookJson } from './webhooks.js';
import { WriteQueue } from './write-queue.js';

/** The domain: everything a user can do, whichever door they came through. */
export class Core {
  readonly ctx: Ctx;
  readonly events: CoreEventBus;
  readonly accounts: Accounts;
  readonly feeds: Feeds;
  readonly groups: Groups;
  readonly data: Data;
  readonly chart: Chart;
  readonly serialize: Serializers;
  readonly blocks: Blocks;
  readonly dashboards: Dashboards;
  readonly webhooks: Webhooks;
  readonly tokens: Tokens;
  readonly activities: Activities;
  readonly sessions: Sessions;
  readonly actions: Actions;
  readonly integrations: Integrations;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(db: Db, config: Config, clock: Clock = systemClock) {
    const stores = openStores(db);
    const tx = stores.tx;
    this.events = new CoreEventBus((cb) => tx.afterCommit(cb));
    const limiter = new Limiter(clock, this.events, config.rateLimit);
    const bans = new Bans(clock, this.events, config.bans);
    const writes = new WriteQueue(tx, {
      busyWaitMs: config.dbBusyWaitMs,
      clock,
      onError: (err) => this.events.emit('error', { source: 'write queue', err }),
    });
    this.ctx = { stores, config, clock, events: this.events, ids: new IdFactory(), limiter, bans, tx, writes };
    this.accounts = new Accounts(this.ctx);
    this.feeds = new Feeds(this.ctx);
    this.groups = new Groups(this.ctx, this.feeds);
    this.data = new Data(this.ctx, this.feeds, this.groups);
    this.chart = new Chart(stores.chart);
    this.serialize = new Serializers(this.ctx);
    const layouts = new DashboardLayouts(this.ctx);
    this.blocks = new Blocks(this.ctx, this.feeds, this.groups, layouts);
    this.dashboards = new Dashboards(this.ctx, this.blocks, layouts);
    this.webhooks = new Webhooks(this.ctx, this.data);
    this.tokens = new Tokens(this.ctx, this.feeds);
    this.activities = new Activities(this.ctx);
    this.sessions = new Sessions(this.ctx);
    this.actions = new Actions(this.ctx, this.feeds, this.data);
    this.integrations = new Integrations(this.ctx);
  }

  get config(): Config {
    return this.ctx.config;
  }

  /** Now, by the core's clock (injected in tests): the doors never read the wall clock themselves. */
  now(): number {
    return this.ctx.clock();
  }

  get clock(): Clock {
    return this.ctx.clock;
  }

  /** MQTT abuse counters and bans, shared by every door. */
  get bans(): Bans {
    return this.ctx.bans;
  }

  /** The data-rate budget of each user, shared by every door. */
  get limiter(): Limiter {
    return this.ctx.limiter;
  }

  /** Feed records with their groups, one query for the memberships of all of them. */
  feedsJson(user: UserRow, feeds: ReturnType<Feeds['list']>) {
    const ids = feeds.length === 1 ? [feeds[0]!.id] : undefined;
    const memberships = this.feeds.memberships(user, ids);
    const receivers = this.webhooks.byFeed(user, ids);
    const changes = this.actions.statusChangesJson(user, ids);
    return feeds.map((f) => this.serialize.feed(user, f, memberships.get(f.id), receivers.get(f.id)?.map((r) => webhookJson(r)), changes.get(f.id)));
  }

  groupsJson(user: UserRow, groups: ReturnType<Groups['list']>) {
    const byGroup = this.groups.feedsByGroup(user, groups.length === 1 ? groups[0]!.id : undefined);
    const memberships = this.feeds.memberships(user);
    const receivers = this.webhooks.byFeed(user);
    const changes = this.actions.statusChangesJson(user);
    return groups.map((g) =>
      this.serialize.group(
        user,
        g,
        (byGroup.get(g.id) ?? []).map((f) =>
          this.serialize.feed(user, f, memberships.get(f.id), receivers.get(f.id)?.map((r) => webhookJson(r)), changes.get(f.id)),
        ),
      ),
    );
  }

  /** Starts the periodic retention sweep and the actions' clock; neither keeps the process alive on its own. */
  startSweeps(): void {
    this.actions.start();
    this.integrations.start();
    if (this.sweepTimer || this.config.retentionDays <= 0) return;
    const sweep = () => {
      try {
        this.data.sweep();
      } catch (err) {
        // A busy or full database: the next sweep takes what this one could not.
        this.events.emit('error', { source: 'retention sweep', err });
      }
    };
    sweep();
    this.sweepTimer = setInterval(sweep, this.config.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Stops the timers and runs the writes still queued (a stop never drops one it has taken). */
  stop(): void {
    this.accounts.stop();
    this.integrations.stop();
    // Before the drain: the feed outputs of points already stored join the writes it runs.
    this.actions.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.ctx.writes.drain();
  }
}
