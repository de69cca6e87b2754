// Persistent sessions (clean session 0) on the broker side: while the client is away its QoS 1
// subscriptions stay in the SubscriptionIndex under an OfflineSession, so fan-out keeps finding them
// and queues what they match (in the core's store, through the Aedes persistence) instead of sending it.
//
// A returning client goes through Aedes' CONNECT steps: its stored subscriptions are restored
// (authorizeSubscribe checks each again, against the login it came back with, and the broker keeps
// them aside), CONNACK, then Aedes replays the queue. The hand-over happens when the replay starts
// (the persistence's `replaying` hook): in that one synchronous step the OfflineSession leaves the
// index and the restored subscriptions join it under the live session, so a message is either in the
// replayed queue or delivered live, never both, never neither. Live deliveries made during the replay
// are held and written after it, so the client sees everything in the order it was stored.

import { createRequire } from 'node:module';
import type { Aedes, Client, PublishPacket } from 'aedes';
import type { Core } from '../core/core.js';
import type { UserRow } from '../core/types.js';
import type { SessionPersistence } from './persistence.js';
import { mayHold } from './access.js';
import { compileSub, type Qos, type Session, type Sub, type SubscriptionIndex } from './subscriptions.js';
import { parseFilter } from './topics.js';

export interface Delivery {
  topic: string;
  payload: string | Buffer;
  qos: Qos;
}

/** What the keeper needs of broker.ts' ClientSession. */
export interface KeptSession extends Session {
  readonly client: Client;
  /** Clean session 0 and logged in: the session is stored. */
  persistent: boolean;
  /** Subscriptions Aedes restored and the broker re-authorized, until the replay starts; null otherwise. */
  restored: Array<{ namespace: string | null; sub: Sub }> | null;
  /** Deliveries held until the replay is over; null when deliveries go straight out. */
  held: Delivery[] | null;
  /** The session's subscriptions are in the index (after the hand-over). */
  live: boolean;
  /** The client went away and the keeper has dealt with it. */
  gone: boolean;
}

/** A persistent session whose client is away: QoS 1 deliveries are queued, QoS 0 ones are not kept. */
export class OfflineSession implements Session {
  readonly closed = false;

  constructor(
    readonly id: string,
    readonly user: UserRow,
    readonly ip: string,
    private readonly keep: (clientId: string, d: Delivery) => void,
  ) {}

  send(topic: string, payload: string | Buffer, qos: Qos): void {
    if (qos >= 1) this.keep(this.id, { topic, payload, qos });
  }
}

/** aedes-packet's Packet, which stamps a packet with the broker's id and counter (its typings omit the broker). */
const Packet = createRequire(import.meta.url)('aedes-packet') as new (p: Partial<PublishPacket>, broker: Aedes) => PublishPacket;

export interface KeeperOptions {
  core: Core;
  index: SubscriptionIndex;
  /** Time subscriptions changed (the time publisher starts or stops timers). */
  timeChanged: () => void;
  /** A message on `{user}/errors`. */
  report: (username: string, text: string) => void;
  log: (line: string) => void;
}

export class SessionKeeper {
  private readonly offline = new Map<string, OfflineSession>();
  /** Connected persistent sessions by client id (the newest, during a takeover). */
  private readonly connected = new Map<string, KeptSession>();
  private aedes: Aedes | undefined;
  private persistence: SessionPersistence | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: KeeperOptions) {}

  /** Builds the offline sessions of what is stored (after a restart) and starts the periodic sweep. */
  start(aedes: Aedes, persistence: SessionPersistence, sweepEveryMs: number): void {
    this.aedes = aedes;
    this.persistence = persistence;
    this.sweep();
    const users = new Map(this.o.core.accounts.list().map((u) => [u.id, u]));
    for (const s of this.o.core.sessions.everySubscription()) {
      const user = users.get(s.userId);
      if (user) this.addOffline(s.clientId, user, '', [{ topic: s.topic, qos: s.qos }]);
    }
    this.sweepTimer = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /** The test control plane emptied an account (every one: null): its offline sessions go. */
  forgetUser(userId: number | null): void {
    for (const [id, s] of [...this.offline]) if (userId === null || s.user.id === userId) this.dropOffline(id);
  }

  /** Offline sessions held in the index; for tests and diagnostics. */
  offlineCount(): number {
    return this.offline.size;
  }

  /**
   * A client logged in. Clean session 1 and anonymous clients keep nothing: a stored session with
   * their client id is discarded ([MQTT-3.1.2-6]; an anonymous client never inherits a user's).
   * Otherwise the session is opened for this user, and one another user left is wiped.
   */
  login(session: KeptSession, clean: boolean): void {
    const id = session.id;
    const user = session.user;
    this.sweep();
    if (clean || !user) {
      session.persistent = false;
      this.dropOffline(id);
      this.o.core.sessions.discard(id);
      return;
    }
    session.persistent = true;
    session.restored = [];
    session.held = [];
    const { wiped } = this.o.core.sessions.open(id, user.id);
    if (wiped) this.dropOffline(id);
    this.connected.set(id, session);
  }

  /** A stored subscription Aedes restored passed authorization again: it goes live with the replay. */
  restore(session: KeptSession, namespace: string | null, sub: Sub): void {
    session.restored!.push({ namespace, sub });
  }

  /** A restored subscription the login no longer allows: it leaves the stored session. */
  refuseRestored(session: KeptSession, topic: string): void {
    this.o.core.sessions.unsubscribe(session.id, [topic]);
  }

  /** The hand-over (see the top of this file); the persistence calls it as Aedes starts the replay. */
  replaying(session: KeptSession | undefined): void {
    this.handOver(session);
  }

  private handOver(session: KeptSession | undefined): void {
    if (!session?.persistent || session.live || session.gone) return;
    this.dropOffline(session.id);
    let time = false;
    for (const { namespace, sub } of session.restored ?? []) {
      this.o.index.add(session, namespace, sub);
      if (namespace === null) time = true;
    }
    session.restored = null;
    session.live = true;
    if (time) this.o.timeChanged();
  }

  /**
   * During the replay, a queued message goes out only if the session still holds a subscription it
   * matches: one the new login refused (a token limited to another feed) is dropped from the queue.
   */
  mayReplay(session: KeptSession | undefined, topic: string): boolean {
    if (!session?.persistent || session.held === null) return true;
    return this.o.index.matches(session, topic);
  }

  /** CONNECT is done (queue replayed): held deliveries go out, then the count of dropped messages. */
  ready(session: KeptSession | undefined): void {
    if (!session?.persistent || session.held === null) return;
    this.handOver(session); // Aedes always replays before this; should it not have, hand over now
    const held = session.held;
    session.held = null;
    for (const d of held) session.send(d.topic, d.payload, d.qos);
    const dropped = this.o.core.sessions.takeDropped(session.id);
    if (dropped > 0 && session.user) {
      this.o.report(
        session.user.username,
        `${session.id} ${session.ip} ${dropped} queued messages dropped while offline (queue limit ${this.o.core.sessions.queueMax})`,
      );
    }
  }

  /**
   * The client went away (called before its subscriptions leave the index). Its QoS 1 subscriptions
   * stay, under an OfflineSession, as long as the stored session is still its user's; held QoS 1
   * deliveries are queued first.
   */
  away(session: KeptSession): void {
    if (!session.persistent || session.gone) return;
    session.gone = true;
    const id = session.id;
    if (this.connected.get(id) === session) this.connected.delete(id);
    const user = session.user!;
    if (this.o.core.sessions.owner(id) !== user.id) return;
    this.o.core.sessions.seen(id);
    for (const d of session.held ?? []) if (d.qos >= 1) this.keep(id, d);
    session.held = null;
    if (!session.live || this.offline.has(id)) return;
    const subs = this.o.index.subsOf(session).map((sub) => ({ topic: sub.filter, qos: sub.qos }));
    this.addOffline(id, user, session.ip, subs);
  }

  /** Deletes expired sessions (by the core's clock) and their offline stand-ins. */
  sweep(): void {
    for (const id of this.o.core.sessions.sweep((clientId) => this.connected.has(clientId))) this.dropOffline(id);
  }

  private addOffline(clientId: string, user: UserRow, ip: string, subs: Array<{ topic: string; qos: number }>): void {
    let session = this.offline.get(clientId);
    for (const { topic, qos } of subs) {
      // QoS 0 deliveries are not kept, and time topics are QoS 0: only QoS 1 feed and group filters matter.
      if (qos < 1) continue;
      const info = parseFilter(topic);
      // Another account's feed only while it is shared with this one (checked again on every change).
      if (!info || info.isTime || !mayHold(this.o.core, user, null, topic, info)) continue;
      if (!session) {
        session = new OfflineSession(clientId, user, ip, (id, d) => this.keep(id, d));
        this.offline.set(clientId, session);
      }
      this.o.index.add(session, info.user, compileSub(topic, 1, info));
    }
  }

  private dropOffline(clientId: string): void {
    const session = this.offline.get(clientId);
    if (!session) return;
    this.offline.delete(clientId);
    this.o.index.removeSession(session);
  }

  /** Queues a delivery, stamped by Aedes as its own packets are, so the replay can record its packet id. */
  private keep(clientId: string, d: Delivery): void {
    const packet = new Packet(
      {
        cmd: 'publish',
        topic: d.topic,
        payload: typeof d.payload === 'string' ? Buffer.from(d.payload, 'utf8') : d.payload,
        qos: d.qos,
        retain: false,
        dup: false,
      },
      this.aedes!,
    );
    this.persistence!.outgoingEnqueue({ clientId }, packet).catch((err: unknown) =>
      this.o.log(`mqtt: queueing for ${clientId} failed: ${String(err)}`),
    );
  }
}
