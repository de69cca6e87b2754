// What the broker's handlers (listeners.ts, connect.ts, subscribe.ts, publish.ts) share. broker.ts builds
// the one object per broker; the handler files import this type only, so none of them imports broker.ts
// and there is no import circle.

import type { Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as TlsServer } from 'node:tls';
import type { Aedes, Client } from 'aedes';
import type { Config } from '../config.js';
import type { Core } from '../core/core.js';
import type { MqttControl } from './control-hooks.js';
import type { ClientSession } from './client-session.js';
import type { Fanout } from './fanout.js';
import type { IntegrationPublisher } from './integrations.js';
import type { SessionKeeper } from './sessions.js';
import type { SubscriptionIndex } from './subscriptions.js';
import type { TimePublisher } from './time.js';

export interface BrokerContext {
  readonly core: Core;
  readonly config: Config;
  readonly aedes: Aedes;
  readonly index: SubscriptionIndex;
  readonly fanout: Fanout;
  readonly time: TimePublisher;
  /** Integration topics: current values on subscribe, changes after. */
  readonly integrations: IntegrationPublisher;
  /** Persistent sessions: offline queues and the hand-over when a client returns. */
  readonly keeper: SessionKeeper;
  /** Internal errors; one line each, client text escaped. */
  readonly log: (line: string) => void;
  /** Refusals, client errors and dropped packets: `log` when debugging, nothing otherwise. */
  readonly debug: (line: string) => void;

  /** Logged-in sessions by Aedes client. */
  readonly sessions: WeakMap<Client, ClientSession>;
  /** The address of each connection (its FrameGuard, which Aedes knows as `client.conn`). */
  readonly ips: WeakMap<object, string>;
  /** Clients that sent CONNECT with an empty client id and clean session 0 (refused at authenticate). */
  readonly emptyIdPersistent: WeakSet<Client>;
  /** Live sessions per user id, so that a ban can close them all. */
  readonly byUser: Map<number, Set<ClientSession>>;

  /** Raw connections (sockets, WebSocket streams), so that close() can end the ones Aedes does not know. */
  readonly connections: Set<Duplex>;
  /** Sockets taken over by the WebSocket server; destroyed if still open when close() gives up waiting. */
  readonly upgraded: Set<Duplex>;
  /** Connections (their FrameGuards) that have not sent CONNECT yet, and how many per address. */
  readonly pending: WeakSet<object>;
  readonly pendingByIp: Map<string, number>;
  readonly servers: Array<NetServer | TlsServer>;
  /** Undo what was attached to things the broker does not own (core events, the HTTP server). */
  readonly detachers: Array<() => void>;
  /** The test control plane's faults and journal, when it is on (control-hooks.ts). */
  readonly control: MqttControl | undefined;
  /** Set once close() has begun. */
  closing: Promise<void> | undefined;
}
