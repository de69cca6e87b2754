// Aedes' persistence interface (aedes-persistence) over the core's persistent sessions, so that Aedes
// itself restores a returning client's subscriptions (subscriptionsByClient), replays what it is owed
// (outgoingStream, outgoingUpdate) and forgets what it acknowledged (outgoingClearMessageId), from
// SQLite: sessions survive a restart.
//
// What need not outlive the process is left to Aedes' in-memory persistence: retained messages (the
// broker never stores any), wills, and the QoS 2 packets a client sent and has not yet released.

import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Sessions, StoredMessage, StoredSub } from '../core/sessions.js';
import { levelsMatch } from './subscriptions.js';

/** A packet as Aedes hands it to a persistence (aedes-packet's Packet, or any PUBLISH/PUBREL). */
export interface PersistPacket {
  cmd: string;
  topic?: string;
  payload?: Buffer | string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
}

/** A subscription as Aedes stores it: topic and QoS, plus MQTT 5 options we keep but do not use. */
export interface PersistSub {
  topic: string;
  qos: number;
  [option: string]: unknown;
}

type ClientRef = Pick<Client, 'id'>;

const BY_TOPIC_MAX = 1000;

// Its typings describe the callback form; the promise form (what Aedes 1.x calls) is typed below.
const memory = createRequire(import.meta.url)('aedes-persistence') as () => unknown;

export interface PersistenceHooks {
  /**
   * The QoS the broker granted `client` on `topic`, or null if it refused it. Aedes hands over every
   * filter of a SUBSCRIBE packet, refused ones included: only granted ones are stored, at the
   * granted QoS. Without this hook everything is stored as given.
   */
  granted?(client: ClientRef, topic: string): number | null;
  /**
   * Aedes is about to replay the queue to a client that connected with clean session 0: until now
   * its messages were queued, from now on they are delivered live (mqtt/sessions.ts).
   */
  replaying?(client: ClientRef): void;
  /**
   * Who owns a session created on first use. The broker opens sessions itself when a client logs in
   * (core Sessions.open) and leaves this out: a client id with no stored session keeps nothing.
   */
  ownerFor?(clientId: string): number | undefined;
}

/** The part of Aedes' in-memory persistence this one delegates to (its promise-returning form). */
interface MemoryStore {
  setup(broker: Aedes): Promise<void>;
  storeRetained(packet: PersistPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
  incomingStorePacket(client: ClientRef, packet: PersistPacket): Promise<void>;
  incomingGetPacket(client: ClientRef, packet: PersistPacket): Promise<PersistPacket>;
  incomingDelPacket(client: ClientRef, packet: PersistPacket): Promise<void>;
  cleanIncoming(client: ClientRef): Promise<void>;
  putWill(client: ClientRef, packet: PersistPacket): Promise<void>;
  getWill(client: ClientRef): Promise<PersistPacket | undefined>;
  delWill(client: ClientRef): Promise<PersistPacket | undefined>;
  streamWill(brokers: object): Readable;
  destroy(): Promise<void>;
}

/** Subscription fields kept as they are: everything but the topic and the QoS. */
function subOptions(sub: PersistSub): string | null {
  const { topic: _t, qos: _q, ...rest } = sub;
  for (const k of Object.keys(rest)) if (rest[k] === undefined) delete rest[k];
  return Object.keys(rest).length > 0 ? JSON.stringify(rest) : null;
}

function toSub(s: StoredSub): PersistSub {
  return { topic: s.topic, qos: s.qos, ...(s.options ? (JSON.parse(s.options) as object) : {}) };
}

function toStored(p: PersistPacket, keepMessageId: boolean): StoredMessage {
  const payload = p.payload === undefined ? null : typeof p.payload === 'string' ? Buffer.from(p.payload, 'utf8') : p.payload;
  return {
    cmd: p.cmd,
    topic: p.topic ?? null,
    payload,
    qos: p.qos ?? 0,
    retain: p.retain ?? false,
    dup: p.dup ?? false,
    messageId: keepMessageId ? (p.messageId ?? null) : null,
    brokerId: p.brokerId ?? null,
    brokerCounter: p.brokerCounter ?? null,
  };
}

/** A stored message as Aedes' own packets look; a message already sent once goes again with DUP set ([MQTT-3.3.1-1]). */
function toPacket(m: StoredMessage): PersistPacket {
  if (m.cmd !== 'publish') return { cmd: m.cmd, messageId: m.messageId ?? undefined };
  return {
    cmd: m.cmd,
    brokerId: m.brokerId ?? undefined,
    brokerCounter: m.brokerCounter ?? undefined,
    topic: m.topic ?? '',
    payload: m.payload ?? Buffer.alloc(0),
    qos: m.qos,
    retain: m.retain,
    dup: m.dup || m.messageId !== null,
    messageId: m.messageId ?? undefined,
  };
}

export class SessionPersistence {
  broker: Aedes | undefined;
  private readonly memory = memory() as MemoryStore;
  private destroyed = false;
  /** subscriptionsByTopic answers, valid while the stored subscriptions are at `byTopicVersion`. */
  private readonly byTopic = new Map<string, Array<PersistSub & { clientId: string }>>();
  private byTopicVersion = -1;

  constructor(
    private readonly sessions: Sessions,
    private readonly hooks: PersistenceHooks = {},
  ) {}

  async setup(broker: Aedes): Promise<void> {
    this.broker = broker;
    await this.memory.setup(broker);
  }

  /** The client id's stored session exists (made now when `ownerFor` names an owner). */
  private ensure(clientId: string): boolean {
    if (this.sessions.owner(clientId) !== undefined) return true;
    const owner = this.hooks.ownerFor?.(clientId);
    if (owner === undefined) return false;
    this.sessions.open(clientId, owner);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Subscriptions

  async addSubscriptions(client: ClientRef, subs: PersistSub[]): Promise<void> {
    if (!this.ensure(client.id)) return;
    const kept: StoredSub[] = [];
    for (const sub of subs) {
      const qos = this.hooks.granted ? this.hooks.granted(client, sub.topic) : sub.qos;
      if (qos === null) continue;
      kept.push({ topic: sub.topic, qos, options: subOptions(sub) });
    }
    this.sessions.subscribe(client.id, kept);
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    this.sessions.unsubscribe(client.id, topics);
  }

  async subscriptionsByClient(client: ClientRef): Promise<PersistSub[]> {
    return this.sessions.subscriptions(client.id).map(toSub);
  }

  /** A clean session 1 CONNECT: the stored session goes ([MQTT-3.1.2-6]). */
  async cleanSubscriptions(client: ClientRef): Promise<ClientRef> {
    this.sessions.discard(client.id);
    return client;
  }

  /**
   * The stored subscriptions of QoS 1 or more matching `topic`. Aedes asks on every QoS 1 PUBLISH it
   * routes (here always `$aio/consumed`, which nobody may subscribe to): the SQL narrows the search
   * to filters that can match the topic's first level, and the answer is kept until a stored
   * subscription changes, because even that index probe cost 10 to 20 µs a PUBLISH (a read
   * transaction each time), more than the rest of Aedes' handling of it.
   */
  async subscriptionsByTopic(topic: string): Promise<Array<PersistSub & { clientId: string }>> {
    const version = this.sessions.subscriptionVersion;
    if (version !== this.byTopicVersion || this.byTopic.size >= BY_TOPIC_MAX) {
      this.byTopic.clear();
      this.byTopicVersion = version;
    }
    let found = this.byTopic.get(topic);
    if (!found) {
      const levels = topic.split('/');
      found = [];
      for (const c of this.sessions.subscriptionCandidates(levels[0]!, topic.startsWith('$'))) {
        if (levelsMatch(c.topic.split('/'), levels)) found.push({ clientId: c.clientId, ...toSub(c) });
      }
      this.byTopic.set(topic, found);
    }
    return found.map((sub) => ({ ...sub }));
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    const { subs, clients } = this.sessions.countSubscriptions();
    return { subsCount: subs, clientsCount: clients };
  }

  getClientList(topic: string): Readable {
    return Readable.from(this.sessions.clientsSubscribedTo(topic));
  }

  // -------------------------------------------------------------------------------------------
  // Messages owed to clients

  /** Resolves once the message is committed (with the others queued in the same tick). */
  async outgoingEnqueue(sub: { clientId: string }, packet: PersistPacket): Promise<void> {
    if (this.hooks.ownerFor) this.ensure(sub.clientId);
    await this.sessions.enqueue(sub.clientId, toStored(packet, false));
  }

  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: PersistPacket): Promise<void> {
    await Promise.all(subs.map((sub) => this.outgoingEnqueue(sub, packet)));
  }

  /**
   * Records the packet identifier a queued PUBLISH is being sent with (matched by the broker id and
   * counter it was queued with), or puts a PUBREL in the place of the PUBLISH sent with its identifier.
   * A PUBLISH no longer queued (dropped from a full queue, or its session gone) is not an error: the
   * delivery goes ahead, there is just nothing left to keep.
   */
  async outgoingUpdate(client: ClientRef, packet: PersistPacket): Promise<void> {
    if (packet.messageId === undefined) return;
    if (packet.cmd !== 'publish') {
      this.sessions.replace(client.id, packet.messageId, toStored(packet, true));
    } else if (packet.brokerId !== undefined && packet.brokerCounter !== undefined) {
      this.sessions.sent(client.id, packet.brokerId, packet.brokerCounter, packet.messageId);
    }
  }

  /** The message acknowledged with this packet identifier leaves the queue. */
  async outgoingClearMessageId(client: ClientRef, packet: PersistPacket | number): Promise<PersistPacket | undefined> {
    const messageId = typeof packet === 'object' ? packet.messageId : undefined;
    if (messageId === undefined) return undefined;
    const m = this.sessions.acknowledge(client.id, messageId);
    return m ? toPacket(m) : undefined;
  }

  /** Everything queued for the client, oldest first, as it stands now. */
  outgoingStream(client: ClientRef): Readable {
    this.hooks.replaying?.(client);
    return Readable.from(this.sessions.queued(client.id).map(toPacket));
  }

  // -------------------------------------------------------------------------------------------
  // Left to memory

  storeRetained(packet: PersistPacket): Promise<void> {
    return this.memory.storeRetained(packet);
  }

  createRetainedStream(pattern: string): Readable {
    return this.memory.createRetainedStream(pattern);
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return this.memory.createRetainedStreamCombi(patterns);
  }

  incomingStorePacket(client: ClientRef, packet: PersistPacket): Promise<void> {
    return this.memory.incomingStorePacket(client, packet);
  }

  incomingGetPacket(client: ClientRef, packet: PersistPacket): Promise<PersistPacket> {
    return this.memory.incomingGetPacket(client, packet);
  }

  incomingDelPacket(client: ClientRef, packet: PersistPacket): Promise<void> {
    return this.memory.incomingDelPacket(client, packet);
  }

  cleanIncoming(client: ClientRef): Promise<void> {
    return this.memory.cleanIncoming(client);
  }

  putWill(client: ClientRef, packet: PersistPacket): Promise<void> {
    return this.memory.putWill(client, packet);
  }

  getWill(client: ClientRef): Promise<PersistPacket | undefined> {
    return this.memory.getWill(client);
  }

  delWill(client: ClientRef): Promise<PersistPacket | undefined> {
    return this.memory.delWill(client);
  }

  streamWill(brokers: object = {}): Readable {
    return this.memory.streamWill(brokers);
  }

  /** The stored sessions stay in the database, which belongs to the core. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.memory.destroy();
  }
}
