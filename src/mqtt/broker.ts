// The MQTT door: Aedes embedded in the process, with Adafruit IO's topic semantics on top.
//
// Aedes does the protocol (CONNECT/CONNACK, keepalive, QoS handshakes, takeover); our handlers decide
// who may connect (connect.ts), subscribe (subscribe.ts) and publish (publish.ts), one file per packet
// type as in Aedes itself, and listeners.ts brings them the connections. This file builds the pieces
// and wires them together. A PUBLISH to a feed or group topic is handled through the core inside
// authorizePublish: the point is committed before Aedes writes the PUBACK. The packet itself is then
// sent to a topic nobody can subscribe to, so Aedes' own routing never delivers the publisher's raw
// topic; every delivery to subscribers is written per client by fanout.ts, from the core's `data`
// event, on the exact topic strings each client subscribed with.

import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import mqttPacket from 'mqtt-packet';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { ControlOptions } from '../core/control.js';
import type { Core } from '../core/core.js';
import type { BrokerContext } from './broker-context.js';
import type { ClientSession } from './client-session.js';
import { accountReset, authenticate, clockMoved, enforceBan, forget, keyChanged, preConnect, tokensChanged } from './connect.js';
import { Fanout } from './fanout.js';
import { MQTT_WS_PATH, attachWebSocket, handle, listenTcp, listenTls } from './listeners.js';
import { oneLine, printable } from './log-text.js';
import { SessionPersistence } from './persistence.js';
import { authorizePublish } from './publish.js';
import { SessionKeeper } from './sessions.js';
import { authorizeSubscribe, sharingChanged, unsubscribed } from './subscribe.js';
import { SubscriptionIndex } from './subscriptions.js';
import { IntegrationPublisher } from './integrations.js';
import { TimePublisher, type Timers } from './time.js';

export { MQTT_WS_PATH } from './listeners.js';
export { REJECT } from './refusals.js';

export interface BrokerOptions {
  /** Clock of the time topics; the core's clock by default. */
  clock?: Clock;
  /** Timer of the time topics; null means none (tests call `broker.time.tick()`). */
  timers?: Timers | null;
  /** Where internal errors are written (never for ordinary refusals unless `debug`); one line each, client text escaped. */
  log?: (line: string) => void;
  /** Also log refusals, client errors and dropped packets. */
  debug?: boolean;
  /** Set when the test control plane is on (src/server.ts); absent, nothing of it is installed. */
  control?: ControlOptions;
}

export class MqttBroker {
  readonly index = new SubscriptionIndex();
  readonly fanout: Fanout;
  readonly time: TimePublisher;
  readonly integrations: IntegrationPublisher;
  readonly aedes: Aedes;
  /** Persistent sessions: offline queues and the hand-over when a client returns. */
  readonly keeper: SessionKeeper;
  readonly persistence: SessionPersistence;
  /** What the handlers share; built last, read by the Aedes hooks only once connections arrive. */
  private readonly ctx: BrokerContext;

  private constructor(core: Core, config: Config, opts: BrokerOptions) {
    const opted = opts.log;
    // Client text (ids, topics) is quoted with printable() where a line names it; oneLine() is the
    // net for the rest, so no client can write a line of its own into the log.
    const log: (line: string) => void = opted ? (line) => opted(oneLine(line)) : () => {};
    const debug = opts.debug ? log : () => {};
    const sessions = new WeakMap<Client, ClientSession>();
    this.fanout = new Fanout(core, this.index, (err) => log(`mqtt: fan-out failed: ${String(err)}`));
    this.time = new TimePublisher({
      clock: opts.clock ?? core.clock,
      timers: opts.timers,
      wanted: () => this.index.timeUnitsWanted(),
      publish: (unit, payload) => this.fanout.time(unit, payload),
    });
    this.integrations = new IntegrationPublisher(
      core,
      this.index,
      (username, text) => this.fanout.report(username, text),
      (err) => log(`mqtt: integration delivery failed: ${String(err)}`),
    );
    this.keeper = new SessionKeeper({
      core,
      index: this.index,
      timeChanged: () => this.time.update(),
      report: (username, text) => this.fanout.report(username, text),
      log,
    });
    this.persistence = new SessionPersistence(core.sessions, {
      granted: (client, topic) => {
        const session = sessions.get(client as Client);
        return (session && this.index.find(session, topic)?.qos) ?? null;
      },
      replaying: (client) => this.keeper.replaying(sessions.get(client as Client)),
    });
    this.aedes = new Aedes({
      // Adafruit_MQTT and some ESP libraries send long client ids even at protocol level 3.
      maxClientsIdLength: 256,
      // Aedes' own default is 30 s; a socket that says nothing is closed sooner (see listeners.ts handle()).
      connectTimeout: config.mqttConnectTimeoutMs,
      persistence: this.persistence,
      // Aedes routes nothing to subscribers here (fan-out writes every delivery), so this only sees the
      // replay of a returning session's queue and the deliveries fan-out makes.
      authorizeForward: (client, packet) => (this.keeper.mayReplay(sessions.get(client), packet.topic) ? packet : null),
      preConnect: (client, packet, cb) => preConnect(this.ctx, client, packet, cb),
      authenticate: (client, username, password, done) => authenticate(this.ctx, client, username, password, done),
      authorizePublish: (client, packet, cb) => authorizePublish(this.ctx, client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => authorizeSubscribe(this.ctx, client, sub, cb),
    });
    this.ctx = {
      core,
      config,
      aedes: this.aedes,
      index: this.index,
      fanout: this.fanout,
      time: this.time,
      integrations: this.integrations,
      keeper: this.keeper,
      log,
      debug,
      sessions,
      ips: new WeakMap(),
      emptyIdPersistent: new WeakSet(),
      byUser: new Map(),
      connections: new Set(),
      upgraded: new Set(),
      pending: new WeakSet(),
      pendingByIp: new Map(),
      servers: [],
      detachers: [],
      control: opts.control && (opts.control.faults || opts.control.journal) ? opts.control : undefined,
      closing: undefined,
    };
    const ctx = this.ctx;
    this.aedes.on('unsubscribe', (filters, client) => unsubscribed(ctx, filters, client));
    this.aedes.on('clientDisconnect', (client) => forget(ctx, client));
    this.aedes.on('clientReady', (client) => this.keeper.ready(sessions.get(client)));
    ctx.detachers.push(core.events.on('ban', ({ user, ban }) => enforceBan(ctx, user, ban)));
    if (core.metrics) {
      const aedes = this.aedes;
      const index = this.index;
      ctx.detachers.push(core.metrics.watchMqtt({ connections: () => aedes.connectedClients, subscriptions: () => index.size() }));
    }
    ctx.detachers.push(core.events.on('activity', (e) => tokensChanged(ctx, e)));
    ctx.detachers.push(core.events.on('account', (e) => keyChanged(ctx, e.userId)));
    // Revocation is immediate: subscriptions to what is no longer shared leave the index at once.
    ctx.detachers.push(core.events.on('sharing', (e) => sharingChanged(ctx, e.owner)));
    ctx.detachers.push(core.events.on('reset', (e) => accountReset(ctx, e)));
    // Only the test control plane moves the clock: what came due runs once (expiries, time topics).
    ctx.detachers.push(
      core.events.on('clock', () => {
        clockMoved(ctx);
        this.keeper.sweep();
        this.time.tick();
      }),
    );
    this.aedes.on('clientError', (client, err) =>
      debug(`mqtt: client ${client?.id === undefined ? '?' : printable(client.id)}: ${err.message}`),
    );
    this.aedes.on('connectionError', (_client, err) => debug(`mqtt: connection error: ${err.message}`));
    (this.aedes as EventEmitter).on('error', (err: Error) => log(`mqtt: broker error: ${err.message}`));
  }

  /** Builds the broker; it accepts connections from the listeners attached afterwards. */
  static async create(core: Core, config: Config, opts: BrokerOptions = {}): Promise<MqttBroker> {
    const broker = new MqttBroker(core, config, opts);
    await broker.aedes.listen();
    broker.keeper.start(broker.aedes, broker.persistence, config.sweepIntervalMs);
    return broker;
  }

  /** Plain MQTT over TCP; resolves with the bound port (port 0 picks a free one). */
  listenTcp(port: number, host: string): Promise<number> {
    return listenTcp(this.ctx, port, host);
  }

  /** MQTT over TLS with the PEM certificate and key at the given paths. */
  listenTls(port: number, host: string, certPath: string, keyPath: string): Promise<number> {
    return listenTls(this.ctx, port, host, certPath, keyPath);
  }

  /** MQTT over WebSocket on an existing HTTP server (Fastify's), at `path`. */
  attachWebSocket(server: HttpServer, path = MQTT_WS_PATH): void {
    attachWebSocket(this.ctx, server, path);
  }

  /** Hands one connection to Aedes behind the packet size guard. */
  handle(inner: Duplex, ip: string, req?: IncomingMessage): void {
    handle(this.ctx, inner, ip, req);
  }

  /** Stops listening, disconnects every client (they see the connection close) and stops the timers. */
  close(): Promise<void> {
    const ctx = this.ctx;
    ctx.closing ??= (async () => {
      this.time.stop();
      this.keeper.stop();
      for (const detach of ctx.detachers) detach();
      const serversClosed = ctx.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
      await this.persistence.destroy();
      this.fanout.stop();
      this.integrations.stop();
      // Connections that never completed CONNECT are not Aedes clients: end them too.
      for (const c of ctx.connections) c.end();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([Promise.all(serversClosed), timeout]);
      for (const c of [...ctx.connections, ...ctx.upgraded]) c.destroy();
      await Promise.all(serversClosed);
    })();
    return ctx.closing;
  }
}

export interface StartedBroker {
  broker: MqttBroker;
  /** The bound TCP port. */
  port: number;
  /** The bound TLS port, when TLS is configured. */
  tlsPort: number | undefined;
}

/**
 * Starts the broker the way `npm start` runs it: TCP on `config.mqttPort`, TLS on `config.mqttsPort`
 * when a certificate is configured, and WebSocket at `/mqtt` on `httpServer` when given.
 */
export async function startBroker(
  core: Core,
  config: Config,
  opts: BrokerOptions & { httpServer?: HttpServer } = {},
): Promise<StartedBroker> {
  // mqtt-packet (Aedes's writer) otherwise builds a table of 65,536 two-byte buffers on the first packet
  // it writes, ~70 ms of CPU in the first CONNACK and several MB of heap kept for good, to save a
  // 2-byte allocation per number written.
  mqttPacket.writeToStream.cacheNumbers = false;
  const broker = await MqttBroker.create(core, config, opts);
  try {
    const port = await broker.listenTcp(config.mqttPort, config.host);
    const tlsPort =
      config.tlsCert && config.tlsKey ? await broker.listenTls(config.mqttsPort, config.host, config.tlsCert, config.tlsKey) : undefined;
    if (opts.httpServer) broker.attachWebSocket(opts.httpServer);
    return { broker, port, tlsPort };
  } catch (err) {
    await broker.close();
    throw err;
  }
}
