// Persistent subscriber sessions: what a client that asked to be remembered (MQTT clean session 0)
// subscribed to, and the messages owed to it, kept in SQLite across disconnects and restarts.
//
// The rules live here; the MQTT door (mqtt/persistence.ts) maps Aedes' persistence calls onto them:
//   - a session belongs to the user who made it: another user (or an anonymous client) connecting
//     with the same client id wipes it rather than inheriting it;
//   - the queue keeps at most `mqttQueueMax` messages; past that the oldest go, and how many went is
//     kept until the client returns and is told;
//   - a session unseen for `mqttSessionExpiry` seconds (by the core's clock) is deleted.

import { SessionStatements, type StoredMessage, type StoredSub } from '../db/session-statements.js';
import type { Ctx } from './context.js';

export type { StoredMessage, StoredSub } from '../db/session-statements.js';

export class Sessions {
  readonly sql: SessionStatements;

  constructor(private readonly ctx: Ctx) {
    this.sql = new SessionStatements(ctx.db);
  }

  get queueMax(): number {
    return this.ctx.config.mqttQueueMax;
  }

  /**
   * A client with this id logs in as `userId` and wants its session kept: the stored one when it is
   * theirs (whether it existed is returned), otherwise a new one (another user's is deleted first).
   */
  open(clientId: string, userId: number): { existed: boolean; wiped: boolean } {
    const now = this.ctx.clock();
    const found = this.sql.session(clientId);
    if (found && found.userId === userId) {
      this.sql.seen(clientId, now);
      return { existed: true, wiped: false };
    }
    if (found) this.sql.remove(clientId);
    this.sql.create(clientId, userId, now);
    return { existed: false, wiped: found !== undefined };
  }

  /** Forgets the session (clean session 1, or someone else's client id); true if there was one. */
  discard(clientId: string): boolean {
    return this.sql.remove(clientId);
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
    if (subs.length > 0) this.sql.putSubscriptions(clientId, subs);
  }

  unsubscribe(clientId: string, topics: string[]): void {
    if (topics.length > 0) this.sql.removeSubscriptions(clientId, topics);
  }

  /** Appends to the session's queue, dropping the oldest past the limit; false if there is no session. */
  enqueue(clientId: string, m: StoredMessage): boolean {
    return this.sql.enqueue(clientId, m, this.queueMax).stored;
  }

  queued(clientId: string): StoredMessage[] {
    return this.sql.queue(clientId);
  }

  /** How many queued messages were dropped since the last call (the count starts again at zero). */
  takeDropped(clientId: string): number {
    return this.sql.takeDropped(clientId);
  }

  /**
   * Deletes the sessions not seen for the expiry time, except those `live` says are connected now
   * (a connected client's session never expires under it). Returns the client ids deleted.
   */
  sweep(live: (clientId: string) => boolean): string[] {
    const before = this.ctx.clock() - this.ctx.config.mqttSessionExpiry * 1000;
    const gone: string[] = [];
    for (const clientId of this.sql.seenBefore(before)) {
      if (live(clientId)) continue;
      if (this.sql.remove(clientId)) gone.push(clientId);
    }
    return gone;
  }
}
