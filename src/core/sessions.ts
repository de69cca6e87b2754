// Persistent subscriber sessions: what a client that asked to be remembered (MQTT clean session 0)
// subscribed to, and the messages owed to it, kept in SQLite across disconnects and restarts.
//
// The rules live here; the MQTT door (mqtt/persistence.ts) maps Aedes' persistence calls onto them:
//   - a session belongs to the user who made it: another user (or an anonymous client) connecting
//     with the same client id wipes it rather than inheriting it;
//   - the queue keeps at most `mqttQueueMax` messages; past that the oldest go, and how many went is
//     kept until the client returns and is told;
//   - a session unseen for `mqttSessionExpiry` seconds (by the core's clock) is deleted.

import type { SessionStatements, StoredMessage, StoredSub } from '../db/session-statements.js';
import type { Ctx } from './context.js';

export type { StoredMessage, StoredSub } from '../db/session-statements.js';

interface Pending {
  clientId: string;
  message: StoredMessage;
  resolve: (stored: boolean) => void;
  reject: (err: unknown) => void;
}

export class Sessions {
  private readonly sql: SessionStatements;
  /** Messages queued this tick, written together (see enqueue). */
  private pending: Pending[] = [];
  private version = 0;

  constructor(private readonly ctx: Ctx) {
    this.sql = ctx.stores.sessions;
  }

  get queueMax(): number {
    return this.ctx.config.mqttQueueMax;
  }

  /** Changes whenever a stored subscription may have been added or removed (for caches of lookups). */
  get subscriptionVersion(): number {
    return this.version;
  }

  /**
   * A client with this id logs in as `userId` and wants its session kept: the stored one when it is
   * theirs (whether it existed is returned), otherwise a new one (another user's is deleted first).
   */
  open(clientId: string, userId: number): { existed: boolean; wiped: boolean } {
    this.flush();
    const now = this.ctx.clock();
    const found = this.sql.session(clientId);
    if (found && found.userId === userId) {
      this.sql.seen(clientId, now);
      return { existed: true, wiped: false };
    }
    if (found) {
      this.sql.remove(clientId);
      this.version++;
    }
    this.sql.create(clientId, userId, now);
    return { existed: false, wiped: found !== undefined };
  }

  /** Forgets the session (clean session 1, or someone else's client id); true if there was one. */
  discard(clientId: string): boolean {
    this.flush();
    // Every clean connect asks, twice (the broker, then Aedes): a read, not an empty write, when there is none.
    if (this.sql.session(clientId) === undefined) return false;
    this.sql.remove(clientId);
    this.version++;
    return true;
  }

  /** The owner of the stored session, if there is one. */
  owner(clientId: string): number | undefined {
    return this.sql.session(clientId)?.userId;
  }

  /** The client connected or went away: expiry counts from now. */
  seen(clientId: string): void {
    this.sql.seen(clientId, this.ctx.clock());
  }

  subscriptions(clientId: string): StoredSub[] {
    return this.sql.subscriptions(clientId);
  }

  subscribe(clientId: string, subs: StoredSub[]): void {
    if (subs.length === 0) return;
    this.sql.putSubscriptions(clientId, subs);
    this.version++;
  }

  unsubscribe(clientId: string, topics: string[]): void {
    if (topics.length === 0) return;
    this.sql.removeSubscriptions(clientId, topics);
    this.version++;
  }

  /**
   * Appends to the session's queue, dropping the oldest past the limit; resolves with false if
   * there is no session. The messages queued in one tick are written in one transaction at its end
   * (a data point matching a `u/#` filter alone makes six), or sooner, before anything else here
   * reads or changes a session, so no one ever sees a session without what was queued for it.
   */
  enqueue(clientId: string, message: StoredMessage): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ clientId, message, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /** Writes the messages waiting for this tick's commit. */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let stored: boolean[];
    try {
      stored = this.sql.enqueue(batch, this.queueMax);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(stored[i]!);
  }

  /** The session's queue, oldest first. */
  queued(clientId: string): StoredMessage[] {
    this.flush();
    return this.sql.queue(clientId);
  }

  /** Records the packet id a queued message (known by its broker id and counter) is sent with. */
  sent(clientId: string, brokerId: string, brokerCounter: number, messageId: number): boolean {
    this.flush();
    return this.sql.setMessageId(clientId, brokerId, brokerCounter, messageId);
  }

  /** Replaces the message sent with `messageId` (a QoS 2 PUBLISH by its PUBREL). */
  replace(clientId: string, messageId: number, message: StoredMessage): boolean {
    this.flush();
    return this.sql.replace(clientId, messageId, message);
  }

  /** The message sent with `messageId` was acknowledged: it leaves the queue, and is returned. */
  acknowledge(clientId: string, messageId: number): StoredMessage | undefined {
    this.flush();
    return this.sql.acknowledge(clientId, messageId);
  }

  /** How many queued messages were dropped since the last call (the count starts again at zero). */
  takeDropped(clientId: string): number {
    this.flush();
    return this.sql.takeDropped(clientId);
  }

  /**
   * Deletes the sessions not seen for the expiry time, except those `live` says are connected now
   * (a connected client's session never expires under it). Returns the client ids deleted.
   */
  sweep(live: (clientId: string) => boolean): string[] {
    this.flush();
    const before = this.ctx.clock() - this.ctx.config.mqttSessionExpiry * 1000;
    const gone: string[] = [];
    for (const clientId of this.sql.seenBefore(before)) {
      if (live(clientId)) continue;
      if (this.sql.remove(clientId)) gone.push(clientId);
    }
    if (gone.length > 0) this.version++;
    return gone;
  }

  // Subscription look-ups for the MQTT door's Aedes persistence adapter (mqtt/persistence.ts).

  everySubscription(): ReturnType<SessionStatements['everySubscription']> {
    return this.sql.everySubscription();
  }

  subscriptionCandidates(firstLevel: string, dollar: boolean): ReturnType<SessionStatements['candidates']> {
    return this.sql.candidates(firstLevel, dollar);
  }

  countSubscriptions(): ReturnType<SessionStatements['countSubscriptions']> {
    return this.sql.countSubscriptions();
  }

  clientsSubscribedTo(topic: string): ReturnType<SessionStatements['clientsSubscribedTo']> {
    return this.sql.clientsSubscribedTo(topic);
  }
}
