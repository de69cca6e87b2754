import { EventEmitter } from 'node:events';
import type { BanEvent } from './bans.js';
import type { ThrottleNotice } from './limiter.js';
import type { DataRow, FeedRow, UserRow } from './types.js';

export interface DataEvent {
  user: UserRow;
  feed: FeedRow;
  datum: DataRow;
}

/** The models whose changes are recorded as activities, spelt as the hosted service spells them. */
export type ActivityModel = 'Feed' | 'Group' | 'Dashboard' | 'Block' | 'Token';

export interface ActivityEvent {
  userId: number;
  action: 'create' | 'update' | 'delete';
  model: ActivityModel;
  /** The row after the write (before it, for a delete); secrets never go in here. */
  record: object;
}

/** An account changed in a way that ends sessions: its key (here, or by the account command in another process). */
export interface AccountEvent {
  userId: number;
  change: 'key';
}

export interface CoreEvents {
  /**
   * A data point was stored (any door, any route). Emitted once its write has succeeded: after its
   * commit, or, inside a group commit (Data.soon/group), before the group's COMMIT; listeners that
   * reach outside the process (MQTT fan-out) deliver at the end of the tick, after it.
   */
  data: [DataEvent];
  /** A write was refused by the rate limit (at most one notice per user per second). */
  throttle: [ThrottleNotice];
  /** A user was banned from MQTT for a while. */
  ban: [BanEvent];
  /** A feed, group, dashboard, block or token was created, updated or deleted. Emitted after the commit. */
  activity: [ActivityEvent];
  /** An account's key was replaced; sessions that logged in with the old one must end. */
  account: [AccountEvent];
}

/** Typed wrapper so a misspelt event name or payload is a compile error. */
export class CoreEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof CoreEvents>(name: K, fn: (...args: CoreEvents[K]) => void): () => void {
    this.emitter.on(name, fn as (...args: unknown[]) => void);
    return () => this.emitter.off(name, fn as (...args: unknown[]) => void);
  }

  emit<K extends keyof CoreEvents>(name: K, ...args: CoreEvents[K]): void {
    this.emitter.emit(name, ...args);
  }
}
