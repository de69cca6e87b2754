import { EventEmitter } from 'node:events';
import type { IntegrationRow } from '../db/integrations.js';
import type { DataRow, FeedRow, UserRow } from './types.js';

export interface DataEvent {
  user: UserRow;
  feed: FeedRow;
  datum: DataRow;
  /** The QoS of the MQTT PUBLISH that stored it (no delivery gets a higher one); other doors: absent. */
  qos?: 0 | 1;
}

/** The models whose changes are recorded as activities, spelt as the hosted service spells them. */
export type ActivityModel = 'Feed' | 'Group' | 'Dashboard' | 'Block' | 'Token' | 'Trigger' | 'Permission';

export interface ActivityEvent {
  userId: number;
  /** `email`: an action's email that could not be sent (no SMTP server configured), kept for the owner to read. */
  action: 'create' | 'update' | 'delete' | 'email';
  model: ActivityModel;
  /** The row after the write (before it, for a delete); secrets never go in here. */
  record: object;
}

export interface ThrottleNotice {
  user: UserRow;
  /** Whole seconds until the request would be allowed. */
  waitSeconds: number;
  message: string;
}

export interface Ban {
  until: number;
  seconds: number;
  /** The connection-attempt throttle answers CONNACK 6; every other ban CONNACK 7. */
  reason: 'connect' | 'abuse';
  message: string;
}

export interface BanEvent {
  user: UserRow;
  ban: Ban;
}

export interface ErrorEvent {
  /** What was running: `retention sweep`, `data listener`, `write queue`... */
  source: string;
  err: unknown;
}

/** Something an account's owner should hear about on `{user}/errors` that no request is waiting for. */
export interface ReportEvent {
  user: UserRow;
  /** e.g. `action 12 not run: it would loop (action 12 → action 13 → action 12)`. */
  message: string;
}

/** An account changed in a way that ends sessions: its key (here, or by the account command in another process). */
export interface AccountEvent {
  userId: number;
  change: 'key';
}

/**
 * What other accounts may reach of `owner`'s things may have changed: a permission was made, changed
 * or deleted, or a feed, group, dashboard or block was (core/permissions.ts). Doors that hold access
 * open (MQTT subscriptions) check it again.
 */
export interface SharingEvent {
  owner: UserRow;
}

/** An integration's values changed (a randomizer's interval turned, a new forecast arrived). */
export interface IntegrationEvent {
  user: UserRow;
  service: IntegrationRow['service'];
  row: IntegrationRow;
  /** `{value}` for a randomizer; one entry per forecast type for weather and air quality. */
  values: Record<string, unknown>;
}

/** The test control plane moved the clock (core/control-clock.ts): timer-driven services run what came due, once. */
export interface ClockEvent {
  now: number;
  /** How far now moved (negative: back). */
  jumpMs: number;
}

/** The test control plane emptied an account (or all of them: userId null); doors drop what they hold of it. */
export interface ResetEvent {
  userId: number | null;
  /** End the account's MQTT connections too. */
  disconnect: boolean;
}

export interface CoreEvents {
  /**
   * A data point was stored (any door, any route). Emitted only after the commit that holds it, and
   * never for a write that was rolled back (see DEFERRED below).
   */
  data: [DataEvent];
  /** A write was refused by the rate limit (at most one notice per user per second). */
  throttle: [ThrottleNotice];
  /** A user was banned from MQTT for a while. */
  ban: [BanEvent];
  /** A feed, group, dashboard, block or token was created, updated or deleted. Emitted after the commit. */
  activity: [ActivityEvent];
  /** Something went wrong that no request is waiting to hear about (a listener, a sweep, a busy database). */
  error: [ErrorEvent];
  /** An account's key was replaced; sessions that logged in with the old one must end. */
  account: [AccountEvent];
  /** An action failed, or was not run (a loop, a chain too long): the MQTT door tells `{user}/errors`. */
  report: [ReportEvent];
  /** An owner's sharing may have narrowed. Emitted after the commit. */
  sharing: [SharingEvent];
  /** A watched integration's values changed (core/integrations): the MQTT door delivers them. */
  integration: [IntegrationEvent];
  /** The control plane's clock changed mode or jumped. */
  clock: [ClockEvent];
  /** The control plane reset an account or the whole server. Emitted after the commit. */
  reset: [ResetEvent];
}

/**
 * Events that tell of stored state: emitted inside a transaction, they wait for its commit and are
 * dropped with a rollback, so no consumer (fan-out, webhooks, actions, console) ever sees a write
 * that was not committed. The others (refusals, bans) are news at once.
 */
const DEFERRED: ReadonlySet<keyof CoreEvents> = new Set<keyof CoreEvents>(['data', 'activity', 'account', 'sharing', 'reset']);

/** Typed wrapper so a misspelt event name or payload is a compile error. */
export class CoreEventBus {
  private readonly emitter = new EventEmitter();

  /** `afterCommit` runs a callback once the current transaction commits (at once outside one). */
  constructor(private readonly afterCommit: (cb: () => void) => void = (cb) => cb()) {
    this.emitter.setMaxListeners(100);
    // Without a listener, EventEmitter throws an `error` event at the emitter: nobody listening is fine.
    this.emitter.on('error', () => {});
  }

  on<K extends keyof CoreEvents>(name: K, fn: (...args: CoreEvents[K]) => void): () => void {
    this.emitter.on(name, fn as (...args: unknown[]) => void);
    return () => this.emitter.off(name, fn as (...args: unknown[]) => void);
  }

  emit<K extends keyof CoreEvents>(name: K, ...args: CoreEvents[K]): void {
    if (DEFERRED.has(name)) this.afterCommit(() => this.deliver(name, args));
    else this.deliver(name, args);
  }

  /** A listener's failure is reported as an `error` event and never undoes or blocks the write. */
  private deliver<K extends keyof CoreEvents>(name: K, args: CoreEvents[K]): void {
    try {
      this.emitter.emit(name, ...args);
    } catch (err) {
      if (name !== 'error') this.emitter.emit('error', { source: `${String(name)} listener`, err } satisfies ErrorEvent);
    }
  }
}
