import type { ActionRow } from '../../db/actions.js';
import type { Ctx } from '../context.js';
import type { Data } from '../data.js';
import { invalid } from '../errors.js';
import type { ActivityEvent, DataEvent } from '../events.js';
import type { DataRow, FeedRow, UserRow } from '../types.js';
import { isoSeconds } from '../values.js';
import { Mailer, postWebhook } from './outputs.js';
import { COMPARISONS, compareParsed, describe, numeric, type Comparison } from './records.js';
import { compileSchedule, type Schedule } from './schedule.js';
import { FeedStatusTimer, type StatusFlip } from './status.js';

/** The actions whose feed outputs wrote a point, oldest first: how loops and long chains are seen. */
interface Origin {
  chain: readonly number[];
}

/** What fired an action: the point's value (or the feed's new status), its feed, its time. */
interface Incoming {
  value: string | null;
  feed: FeedRow | undefined;
  at: number;
}

/** The chain of a point no action wrote. */
const NO_CHAIN: readonly number[] = [];

interface Reactive {
  row: ActionRow;
  op: Comparison;
  /** `value` as a number, read once (undefined: text, or compared with to_feed_id). */
  num: number | undefined;
}

interface Scheduled {
  row: ActionRow;
  schedule: Schedule;
  nextAt: number | null;
}

/**
 * The actions engine (the hosted API's triggers). It is driven only by core events and the clock:
 * `data` events (after the commit of each point) fire reactive actions and bring watched feeds back
 * online; `tick()` (every second from `start()`, or from a test after moving its fake clock) runs
 * schedules and turns quiet feeds offline. No route calls into it; the records are managed by
 * core/actions.ts, which tells it of every change (resync).
 *
 * Outputs never hold up the point that fired them: a data event only queues the point, evaluation
 * runs on the next turn of the event loop, after the acknowledgements of its batch are out; a feed
 * output is an ordinary write through the group commit (rate budget, commit, MQTT fan-out), webhook
 * and email outputs run in the background. Failures, loops and chains cut short are told to the
 * owner on `{user}/errors` through the core's `report` event.
 *
 * The enabled actions are kept in memory, indexed by the feed they watch, so that a point on a feed
 * nobody watches costs one map lookup; the index is rebuilt for a user whenever their actions or
 * feeds change.
 */
export class ActionEngine {
  private readonly reactive = new Map<number, Reactive[]>();
  private readonly timers = new Map<number, ActionRow[]>();
  private readonly scheduled = new Map<number, Scheduled>();
  /** When each action last fired, for the cooldown. */
  private readonly lastFired = new Map<number, number>();
  /** Owners of actions run by the clock (a data event carries its own user). */
  private readonly users = new Map<number, UserRow>();
  /** The chain behind each point a feed output wrote: the row object is the one its data event carries. */
  private readonly origins = new WeakMap<DataRow, Origin>();
  private pending: Array<{ e: DataEvent; origin: Origin | undefined }> = [];
  private flushing: NodeJS.Immediate | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly status: FeedStatusTimer;
  private readonly mailer: Mailer;
  private readonly detach: Array<() => void>;

  constructor(
    private readonly ctx: Ctx,
    private readonly data: Data,
  ) {
    this.status = new FeedStatusTimer(ctx);
    this.mailer = new Mailer(ctx.config.actions);
    for (const u of ctx.stores.accounts.list()) this.users.set(u.id, u);
    for (const row of ctx.stores.actions.enabled()) this.index(row);
    const watched = new Map<number, FeedRow>();
    for (const f of ctx.stores.actions.notifyingFeeds()) watched.set(f.id, f);
    for (const [feedId, rows] of this.timers) {
      const f = ctx.stores.feeds.byId(rows[0]!.userId, feedId);
      if (f) watched.set(f.id, f);
    }
    this.status.load([...watched.values()]);
    this.detach = [ctx.events.on('data', (e) => this.onData(e)), ctx.events.on('activity', (e) => this.onActivity(e))];
  }

  // ---------------------------------------------------------------------------------------------
  // The working set

  private index(row: ActionRow): void {
    if (!row.enabled) return;
    if (row.triggerType === 'reactive' && row.feedId !== null) {
      const op = COMPARISONS.get(row.operator ?? '');
      if (!op) return;
      const entry = { row, op, num: row.value === null ? undefined : numeric(row.value) };
      const list = this.reactive.get(row.feedId);
      if (list) list.push(entry);
      else this.reactive.set(row.feedId, [entry]);
    } else if (row.triggerType === 'timer' && row.feedId !== null) {
      const list = this.timers.get(row.feedId);
      if (list) list.push(row);
      else this.timers.set(row.feedId, [row]);
    } else if (row.triggerType === 'scheduled' && row.schedule !== null) {
      const schedule = this.compile(row);
      if (schedule) this.scheduled.set(row.id, { row, schedule, nextAt: schedule.next(this.ctx.clock()) });
    }
  }

  private compile(row: ActionRow): Schedule | undefined {
    const zone = this.users.get(row.userId)?.timeZone ?? 'UTC';
    for (const tz of [zone, 'UTC']) {
      try {
        return compileSchedule(row.schedule!, tz, row.updatedAt);
      } catch {
        // An unknown time zone: the schedule runs in UTC.
      }
    }
    return undefined;
  }

  /**
   * Rebuilds a user's part of the working set from the database, and which of their feeds are
   * watched: after any change of their actions (core/actions.ts) or feeds.
   */
  resync(user: UserRow | number): void {
    const userId = typeof user === 'number' ? user : user.id;
    if (typeof user !== 'number') this.users.set(user.id, user);
    for (const map of [this.reactive, this.timers] as Array<Map<number, Array<ActionRow | Reactive>>>) {
      for (const [feedId, list] of map) {
        const kept = list.filter((x) => ('op' in x ? x.row : x).userId !== userId);
        if (kept.length === 0) map.delete(feedId);
        else map.set(feedId, kept);
      }
    }
    const before = new Map<number, Scheduled>();
    for (const [id, s] of this.scheduled) {
      if (s.row.userId !== userId) continue;
      before.set(id, s);
      this.scheduled.delete(id);
    }
    const timerFeeds = new Set<number>(this.status.watchedBy(userId));
    for (const row of this.ctx.stores.actions.enabled(userId)) {
      this.index(row);
      if (row.triggerType === 'timer' && row.feedId !== null) timerFeeds.add(row.feedId);
      // An unchanged schedule keeps its next run (a restart of the count would skip one).
      const was = before.get(row.id);
      const now = this.scheduled.get(row.id);
      if (was && now && was.row.updatedAt === row.updatedAt) now.nextAt = was.nextAt;
    }
    for (const feedId of timerFeeds) this.refreshWatch(feedId, this.ctx.stores.feeds.byId(userId, feedId));
  }

  private refreshWatch(feedId: number, feed: FeedRow | undefined): void {
    if (feed && (feed.statusNotify || this.timers.has(feed.id))) this.status.watch(feed);
    else this.status.unwatch(feedId);
  }

  private onActivity(e: ActivityEvent): void {
    if (e.model === 'Feed') {
      const feed = e.record as FeedRow;
      // A deleted feed takes the actions naming it along (cascade).
      if (e.action === 'delete') this.resync(e.userId);
      else this.refreshWatch(feed.id, feed);
    } else if (e.model === 'Group' && e.action === 'delete') {
      // ...and so does a deleted group, with the feeds at home in it.
      this.resync(e.userId);
    }
  }

  private userById(id: number): UserRow | undefined {
    let user = this.users.get(id);
    if (!user) {
      for (const u of this.ctx.stores.accounts.list()) this.users.set(u.id, u);
      user = this.users.get(id);
    }
    return user;
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  private onData(e: DataEvent): void {
    // The common case, a feed no action watches, costs two lookups.
    if (!this.reactive.has(e.feed.id) && !this.status.has(e.feed.id)) return;
    this.pending.push({ e, origin: this.origins.get(e.datum) });
    this.flushing ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushing = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const { e, origin } of batch) {
      try {
        this.react(e, origin);
      } catch (err) {
        this.ctx.events.emit('error', { source: 'actions', err });
      }
    }
  }

  private react(e: DataEvent, origin: Origin | undefined): void {
    this.users.set(e.user.id, e.user);
    const flip = this.status.seen(e.feed);
    if (flip) this.onFlip(flip, origin);
    const list = this.reactive.get(e.feed.id);
    if (!list) return;
    const value = e.datum.value;
    const valueNum = numeric(value);
    const incoming: Incoming = { value, feed: e.feed, at: e.datum.createdAt };
    // One reading of the clock for every action the point passes (bench actions: 100 on one feed).
    const now = this.ctx.clock();
    for (const { row, op, num } of list) {
      let passed: boolean;
      if (row.toFeedId === null) {
        passed = row.value !== null && compareParsed(op, value, valueNum, row.value, num);
      } else {
        const against = this.ctx.stores.feeds.byId(row.userId, row.toFeedId)?.lastValue;
        passed = against != null && compareParsed(op, value, valueNum, against, numeric(against));
      }
      if (passed) this.fire(row, e.user, incoming, origin, now);
    }
  }

  private onFlip(flip: StatusFlip, origin: Origin | undefined): void {
    const list = this.timers.get(flip.feedId);
    if (!list) return;
    const user = this.userById(flip.userId);
    if (!user) return;
    const feed = this.ctx.stores.feeds.byId(flip.userId, flip.feedId);
    const to = flip.change.toStatus;
    for (const row of list) {
      if (row.operator === to || row.operator === 'change') this.fire(row, user, { value: to, feed, at: flip.change.createdAt }, origin);
    }
  }

  /** Runs what the clock has made due: feeds gone quiet turn offline, schedules whose time has come. */
  tick(): void {
    for (const flip of this.status.tick()) this.onFlip(flip, undefined);
    const now = this.ctx.clock();
    for (const s of this.scheduled.values()) {
      if (s.nextAt === null || s.nextAt > now) continue;
      // Runs missed while the server was stopped (or the clock jumped) run once, not once each.
      s.nextAt = s.schedule.next(now);
      const user = this.userById(s.row.userId);
      if (!user) continue;
      const feed = s.row.feedId === null ? undefined : this.ctx.stores.feeds.byId(user.id, s.row.feedId);
      this.fire(s.row, user, { value: feed?.lastValue ?? null, feed, at: now }, undefined);
    }
  }

  private fire(row: ActionRow, user: UserRow, incoming: Incoming, origin: Origin | undefined, now = this.ctx.clock()): void {
    const chain = origin?.chain ?? NO_CHAIN;
    if (chain.includes(row.id)) {
      this.report(user, `action ${row.id} not run: it would loop (${[...chain, row.id].map((id) => `action ${id}`).join(' → ')})`);
      return;
    }
    const max = this.ctx.config.actions.maxChainDepth;
    if (row.action === 'feed' && chain.length >= max) {
      this.report(
        user,
        `action ${row.id} not run: actions writing to feeds that fire actions stop after ${max} in a row (${chain.map((id) => `action ${id}`).join(' → ')})`,
      );
      return;
    }
    const last = this.lastFired.get(row.id);
    if (last !== undefined && now - last < this.ctx.config.actions.cooldownMs) return;
    const value = row.actionValue ?? incoming.value;
    if (value === null) {
      this.report(user, `action ${row.id} not run: there is no value to send (its feed has no data yet)`);
      return;
    }
    this.lastFired.set(row.id, now);
    let job: Promise<unknown>;
    if (row.action === 'feed') {
      const next: Origin = { chain: [...chain, row.id] };
      job = this.data.soon(() => this.writeFeed(user, row, value, next)).then(() => this.ctx.metrics?.wrote('action', 1));
    } else if (row.action === 'webhook') {
      const payload = { trigger_id: row.id, feed_key: incoming.feed?.key ?? null, value, created_at: isoSeconds(incoming.at) };
      job = postWebhook(row.actionUrl!, payload, this.ctx.config.actions, this.stopping.signal);
    } else {
      job = this.email(user, row, value);
    }
    this.track(
      job.catch((err: unknown) => this.report(user, `action ${row.id} failed: ${err instanceof Error ? err.message : String(err)}`)),
    );
  }

  /** A feed output: an ordinary write of one point (inside the group commit's transaction). */
  private writeFeed(user: UserRow, row: ActionRow, value: string, origin: Origin): DataRow {
    const feed = this.ctx.stores.feeds.byId(user.id, row.actionFeedId!);
    if (!feed) throw invalid(`its feed ${row.actionFeedId} no longer exists`);
    const point = this.data.create(user, feed, [{ value }])[0]!;
    this.origins.set(point, origin);
    return point;
  }

  /** Forgets when a deleted action last fired. */
  forget(actionId: number): void {
    this.lastFired.delete(actionId);
  }

  private async email(user: UserRow, row: ActionRow, value: string): Promise<void> {
    const description = describe(row, (id) => this.ctx.stores.feeds.byId(user.id, id)?.name ?? `feed ${id}`);
    const mail = {
      to: row.actionEmail!,
      subject: `aio-local action ${row.id}: ${description}`.slice(0, 250),
      text: `${value}\n\n-- \n${description}\n`,
    };
    if (!this.mailer.configured) {
      this.ctx.events.emit('activity', {
        userId: user.id,
        action: 'email',
        model: 'Trigger',
        record: {
          trigger_id: row.id,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          delivered: false,
          reason: 'AIO_SMTP_URL is not set',
        },
      });
      return;
    }
    await this.mailer.send(mail);
  }

  private report(user: UserRow, message: string): void {
    this.ctx.events.emit('report', { user, message });
  }

  private track(job: Promise<unknown>): void {
    this.inflight.add(job);
    void job.finally(() => this.inflight.delete(job));
  }

  /**
   * Resolves once nothing is left to do: no point waiting to be evaluated, no output under way (a
   * feed output's own data event included). Tests wait on it instead of sleeping.
   */
  async settled(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.pending.length === 0 && this.flushing === undefined && this.inflight.size === 0) return;
      await Promise.allSettled([...this.inflight]);
    }
  }

  /** Ticks every `tickMs` (1 s) on a timer that never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (err) {
        this.ctx.events.emit('error', { source: 'actions tick', err });
      }
    }, this.ctx.config.actions.tickMs);
    this.timer.unref();
  }

  /**
   * Stops the clock, evaluates the points already queued (their feed outputs join the writes the
   * core drains next) and abandons webhooks and emails under way.
   */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.flushing) {
      clearImmediate(this.flushing);
      this.flush();
    }
    for (const off of this.detach) off();
    this.stopping.abort(new Error('the server is stopping'));
    this.mailer.close();
  }
}
