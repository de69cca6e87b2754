import type { Config } from '../config.js';
import type { Db } from '../db/open.js';
import { openStores } from '../db/stores.js';
import { Accounts } from './accounts.js';
import { Actions } from './actions.js';
import { Activities } from './activities.js';
import { Chart } from './chart/read.js';
import { Blocks } from './blocks.js';
import { systemClock, type Clock } from './clock.js';
import { ConsoleSessions } from './console-sessions.js';
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
import { Metrics } from './metrics.js';
import { Permissions } from './permissions.js';
import { Reset } from './reset.js';
import { Fixtures } from './fixtures.js';
import { Serialize } from './serialize.js';
import { feedJson } from './serializers/feed.js';
import { groupJson } from './serializers/group.js';
import { Sessions } from './sessions.js';
import { Tokens } from './tokens.js';
import type { FeedRow, GroupRow, UserRow } from './types.js';
import { Webhooks } from './webhooks.js';
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
  readonly serialize: Serialize;
  readonly blocks: Blocks;
  readonly dashboards: Dashboards;
  readonly webhooks: Webhooks;
  readonly tokens: Tokens;
  readonly activities: Activities;
  readonly sessions: Sessions;
  readonly actions: Actions;
  readonly permissions: Permissions;
  readonly integrations: Integrations;
  /** The test control plane's reset (src/control); nothing else calls it. */
  readonly reset: Reset;
  /** The test control plane's seed and export (src/control). */
  readonly fixtures: Fixtures;
  /** Web console sign-ins (src/console). */
  readonly consoleSessions: ConsoleSessions;
  /** Prometheus metrics, only when AIO_METRICS_TOKEN is set (the doors add their counts to it). */
  readonly metrics: Metrics | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** startSweeps ran (and stop did not since): the clock's jumps drive the services only then. */
  private started = false;

  constructor(db: Db, config: Config, clock: Clock = systemClock) {
    const stores = openStores(db);
    const tx = stores.tx;
    this.events = new CoreEventBus((cb) => tx.afterCommit(cb));
    const limiter = new Limiter(clock, this.events, config.rateLimit);
    const bans = new Bans(clock, this.events, config.bans);
    const metrics = config.metricsToken ? new Metrics({ events: this.events, limiter, dbPath: config.dbPath }) : undefined;
    this.metrics = metrics;
    const writes = new WriteQueue(tx, {
      busyWaitMs: config.dbBusyWaitMs,
      clock,
      onError: (err) => this.events.emit('error', { source: 'write queue', err }),
      onCommit: metrics && ((writes, ms) => metrics.committed(writes, ms)),
    });
    this.ctx = { stores, config, clock, events: this.events, ids: new IdFactory(), limiter, bans, tx, writes, metrics };
    this.accounts = new Accounts(this.ctx);
    this.feeds = new Feeds(this.ctx);
    this.groups = new Groups(this.ctx, this.feeds);
    this.data = new Data(this.ctx, this.feeds, this.groups);
    this.chart = new Chart(stores.chart);
    this.serialize = new Serialize(this.ctx);
    const layouts = new DashboardLayouts(this.ctx);
    this.blocks = new Blocks(this.ctx, this.feeds, this.groups, layouts);
    this.dashboards = new Dashboards(this.ctx, layouts);
    this.webhooks = new Webhooks(this.ctx, this.data);
    this.tokens = new Tokens(this.ctx, this.feeds);
    this.activities = new Activities(this.ctx);
    this.sessions = new Sessions(this.ctx);
    this.actions = new Actions(this.ctx, this.feeds, this.data);
    this.permissions = new Permissions(this.ctx, this.feeds, this.groups, this.dashboards, this.data);
    this.integrations = new Integrations(this.ctx);
    this.consoleSessions = new ConsoleSessions(this.ctx, this.accounts, this.tokens);
    this.reset = new Reset(this.ctx, this.accounts, this.actions, this.sessions);
    this.fixtures = new Fixtures(this.ctx, {
      accounts: this.accounts,
      feeds: this.feeds,
      groups: this.groups,
      data: this.data,
      dashboards: this.dashboards,
      blocks: this.blocks,
      tokens: this.tokens,
      webhooks: this.webhooks,
      permissions: this.permissions,
      actions: this.actions,
      integrations: this.integrations,
      reset: this.reset,
    });
    this.events.on('clock', () => this.runDue());
  }

  /**
   * After the control plane moved the clock: what came due runs now, once, whatever the jump (the
   * schedules skip missed runs, the sweep takes everything past retention in one go).
   */
  private runDue(): void {
    if (!this.started) return;
    try {
      this.actions.engine.tick();
    } catch (err) {
      this.events.emit('error', { source: 'actions tick', err });
    }
    this.integrations.tick().catch((err) => this.events.emit('error', { source: 'integrations tick', err }));
    if (this.sweepTimer) this.sweep();
  }

  private sweep(): void {
    try {
      this.data.sweep();
    } catch (err) {
      // A busy or full database: the next sweep takes what this one could not.
      this.events.emit('error', { source: 'retention sweep', err });
    }
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

  /**
   * Feed records with their groups, one query for the memberships of all of them. `viewer`: who
   * reads them (null: no key); someone other than the owner sees whether they may write, and only
   * the groups they may read besides the feed's home group, and no webhook receivers.
   */
  feedsJson(user: UserRow, feeds: FeedRow[], viewer: UserRow | null = user) {
    const ids = feeds.length === 1 ? [feeds[0]!.id] : undefined;
    return this.feedRecords(user, feeds, this.feeds.memberships(user, ids), viewer, ids);
  }

  groupsJson(user: UserRow, groups: GroupRow[], viewer: UserRow | null = user) {
    const byGroup = this.groups.feedsByGroup(user, groups.length === 1 ? groups[0]!.id : undefined);
    const memberships = this.feeds.memberships(user);
    return groups.map((g) => groupJson(user, g, this.feedRecords(user, byGroup.get(g.id) ?? [], memberships, viewer)));
  }

  private feedRecords(user: UserRow, feeds: FeedRow[], memberships: Map<number, GroupRow[]>, viewer: UserRow | null, ids?: number[]) {
    if (feeds.length === 0) return [];
    const own = viewer?.id === user.id;
    const receivers = own ? this.webhooks.byFeed(user, ids) : undefined;
    const changes = this.actions.statusChangesJson(user, ids);
    const shared = this.permissions.sharedFeedIds(user);
    const grants = own ? undefined : this.permissions.feedGrants(viewer, user);
    let groupsSeen: Set<number> | undefined;
    if (!own) {
      const all = new Map<number, GroupRow>();
      for (const f of feeds) for (const g of memberships.get(f.id) ?? []) all.set(g.id, g);
      groupsSeen = new Set(this.permissions.readable(viewer, user, 'group', [...all.values()]).map((g) => g.id));
    }
    const now = this.ctx.clock();
    return feeds.map((f) => {
      let groups = memberships.get(f.id);
      if (groupsSeen) groups = groups?.filter((g) => g.id === f.groupId || groupsSeen.has(g.id));
      return feedJson(user, f, {
        now,
        groups,
        receivers: receivers?.get(f.id),
        statusChanges: changes.get(f.id),
        share: { isShared: shared.has(f.id), writable: own || grants?.get(f.id)?.write === true },
      });
    });
  }

  /** Starts the periodic retention sweep and the actions' clock; neither keeps the process alive on its own. */
  startSweeps(): void {
    this.started = true;
    this.actions.start();
    this.integrations.start();
    if (this.sweepTimer || this.config.retentionDays <= 0) return;
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), this.config.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /** Stops the timers and runs the writes still queued (a stop never drops one it has taken). */
  stop(): void {
    this.started = false;
    this.accounts.stop();
    this.integrations.stop();
    // Before the drain: the feed outputs of points already stored join the writes it runs.
    this.actions.stop();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.ctx.writes.drain();
    this.metrics?.stop();
  }
}
