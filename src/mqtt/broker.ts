// The MQTT door: Aedes embedded in the process, with Adafruit IO's topic semantics on top.
//
// Aedes does the protocol (CONNECT/CONNACK, keepalive, QoS handshakes, takeover); this file decides
// who may connect, subscribe and publish. A PUBLISH to a feed or group topic is handled here, through
// the core, inside authorizePublish: the point is committed before Aedes writes the PUBACK. The
// packet itself is then sent to a topic nobody can subscribe to, so Aedes' own routing never delivers
// the publisher's raw topic; every delivery to subscribers is written per client by fanout.ts, from
// the core's `data` event, on the exact topic strings each client subscribed with.

import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Aedes, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { Core } from '../core/core.js';
import type { DatumInput } from '../core/data.js';
import { AioError, feedNotFound, groupNotFound, invalid } from '../core/errors.js';
import type { ActivityEvent } from '../core/events.js';
import { sameScope, tokenExpired, tokenRefusal, type TokenRow } from '../core/tokens.js';
import type { UserRow } from '../core/types.js';
import { Fanout, feedPayload, groupPayload, keyInGroup } from './fanout.js';
import { FrameGuard } from './frames.js';
import { oneLine, printable } from './log-text.js';
import { parseFeedPayload, parseGroupPayload, type GroupEntry } from './payloads.js';
import { SessionPersistence } from './persistence.js';
import { SessionKeeper, type Delivery, type KeptSession } from './sessions.js';
import { SubscriptionIndex, compileSub, type Qos, type Session } from './subscriptions.js';
import { TimePublisher, type Timers } from './time.js';
import { parseFilter, parseTopic, groupFormat, type FeedTopic, type FilterInfo, type GroupTopic, type ParsedTopic } from './topics.js';

/** Where handled PUBLISH packets go once the core has them: no filter a client may hold matches it. */
const CONSUMED_TOPIC = '$aio/consumed';

export const MQTT_WS_PATH = '/mqtt';

/** Adafruit's wording for refusals (compat-notes §3.8). */
export const REJECT = {
  notAuthorized: 'resource not available or not authorized',
  notResource: 'not a valid resource topic',
  badFormat: 'not a valid topic format',
  notWritable: 'only feeds and groups may be published to',
} as const;

export interface BrokerOptions {
  /** Clock of the time topics; the core's clock by default. */
  clock?: Clock;
  /** Timer of the time topics; null means none (tests call `broker.time.tick()`). */
  timers?: Timers | null;
  /** Where internal errors are written (never for ordinary refusals unless `debug`); one line each, client text escaped. */
  log?: (line: string) => void;
  /** Also log refusals, client errors and dropped packets. */
  debug?: boolean;
}

class ClientSession implements KeptSession {
  /** Closes the session when its token expires (token logins only). */
  expiryTimer: NodeJS.Timeout | undefined;
  // Persistent sessions (clean session 0), managed by SessionKeeper (sessions.ts).
  persistent = false;
  restored: KeptSession['restored'] = null;
  held: Delivery[] | null = null;
  live = false;
  gone = false;

  constructor(
    readonly client: Client,
    readonly user: UserRow | null,
    readonly ip: string,
    /** The scoped token the session logged in with; null for the account key and anonymous sessions. */
    readonly token: TokenRow | null = null,
  ) {}

  /** Ends the core's watch on the account key this session logged in with (account key sessions only). */
  releaseKey: (() => void) | undefined;

  get id(): string {
    return this.client.id;
  }

  /** A persistent session stays open to deliveries until the keeper has taken it offline. */
  get closed(): boolean {
    return this.client.closed && !(this.persistent && !this.gone);
  }

  send(topic: string, payload: string | Buffer, qos: Qos): void {
    // Held during the replay, or between the connection closing and the keeper queueing for it.
    if (this.held || (this.persistent && this.client.closed)) {
      (this.held ??= []).push({ topic, payload, qos });
      return;
    }
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
      qos,
      retain: false,
      dup: false,
    };
    this.client.publish(packet, () => {});
  }
}

function authError(returnCode: 2 | 3 | 4 | 5, message: string) {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * Adafruit's non-standard CONNACK codes, 6 (connection throttle) and 7 (banned), which Aedes will
 * not send (it turns any code above 5 into 5): written here, then the connection is closed.
 */
function refuseConnect(client: Client, code: 6 | 7, done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void): void {
  client.conn.write(Buffer.from([0x20, 0x02, 0x00, code]), () => {
    client.close();
    done(authError(5, code === 6 ? 'connection throttled' : 'banned'), null);
  });
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) as `1.2.3.4`, for the errors topic. */
function showIp(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** Lets Aedes go on with a handled PUBLISH: never stored as retained, never routed by Aedes (fan-out wrote every delivery). */
function consume(packet: PublishPacket, cb: (err?: Error | null) => void, err: Error | null): void {
  packet.topic = CONSUMED_TOPIC;
  packet.retain = false;
  cb(err);
}

function payloadBuffer(payload: Buffer | string): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

export class MqttBroker {
  readonly index = new SubscriptionIndex();
  readonly fanout: Fanout;
  readonly time: TimePublisher;
  readonly aedes: Aedes;
  /** Persistent sessions: offline queues and the hand-over when a client returns. */
  readonly keeper: SessionKeeper;
  readonly persistence: SessionPersistence;
  private readonly sessions = new WeakMap<Client, ClientSession>();
  private readonly ips = new WeakMap<object, string>();
  private readonly emptyIdPersistent = new WeakSet<Client>();
  /** Live sessions per user id, so that a ban can close them all. */
  private readonly byUser = new Map<number, Set<ClientSession>>();
  /** Raw connections (sockets, WebSocket streams), so that close() can end the ones Aedes does not know. */
  private readonly connections = new Set<Duplex>();
  /** Sockets taken over by the WebSocket server; destroyed if still open when close() gives up waiting. */
  private readonly upgraded = new Set<Duplex>();
  /** Connections (their FrameGuards) that have not sent CONNECT yet, and how many per address. */
  private readonly pending = new WeakSet<object>();
  private readonly pendingByIp = new Map<string, number>();
  private readonly servers: Array<NetServer | TlsServer> = [];
  private readonly detachers: Array<() => void> = [];
  private readonly log: (line: string) => void;
  private readonly debug: (line: string) => void;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly core: Core,
    private readonly config: Config,
    opts: BrokerOptions,
  ) {
    const log = opts.log;
    // Client text (ids, topics) is quoted with printable() where a line names it; oneLine() is the
    // net for the rest, so no client can write a line of its own into the log.
    this.log = log ? (line) => log(oneLine(line)) : () => {};
    this.debug = opts.debug ? this.log : () => {};
    this.fanout = new Fanout(core, this.index, (err) => this.log(`mqtt: fan-out failed: ${String(err)}`));
    this.time = new TimePublisher({
      clock: opts.clock ?? core.ctx.clock,
      timers: opts.timers,
      wanted: () => this.index.timeUnitsWanted(),
      publish: (unit, payload) => this.fanout.time(unit, payload),
    });
    this.keeper = new SessionKeeper({
      core,
      index: this.index,
      timeChanged: () => this.time.update(),
      report: (username, text) => this.fanout.report(username, text),
      log: this.log,
    });
    this.persistence = new SessionPersistence(core.sessions, {
      granted: (client, topic) => {
        const session = this.sessions.get(client as Client);
        return (session && this.index.find(session, topic)?.qos) ?? null;
      },
      replaying: (client) => this.keeper.replaying(this.sessions.get(client as Client)),
    });
    this.aedes = new Aedes({
      // Adafruit_MQTT and some ESP libraries send long client ids even at protocol level 3.
      maxClientsIdLength: 256,
      // Aedes' own default is 30 s; a socket that says nothing is closed sooner (see handle()).
      connectTimeout: config.mqttConnectTimeoutMs,
      persistence: this.persistence,
      // Aedes routes nothing to subscribers here (fan-out writes every delivery), so this only sees the
      // replay of a returning session's queue and the deliveries fan-out makes.
      authorizeForward: (client, packet) => (this.keeper.mayReplay(this.sessions.get(client), packet.topic) ? packet : null),
      preConnect: (client, packet, cb) => this.preConnect(client, packet, cb),
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, cb) => this.authorizePublish(client, packet, cb),
      authorizeSubscribe: (client, sub, cb) => this.authorizeSubscribe(client, sub, cb),
    });
    this.aedes.on('unsubscribe', (filters, client) => {
      const session = this.sessions.get(client);
      if (!session) return;
      for (const f of filters) this.index.remove(session, f);
      this.time.update();
    });
    this.aedes.on('clientDisconnect', (client) => this.forget(client));
    this.aedes.on('clientReady', (client) => this.keeper.ready(this.sessions.get(client)));
    this.detachers.push(core.events.on('ban', ({ user, ban }) => this.enforceBan(user, ban)));
    this.detachers.push(core.events.on('activity', (e) => this.tokensChanged(e)));
    this.detachers.push(core.events.on('account', (e) => this.keyChanged(e.userId)));
    this.aedes.on('clientError', (client, err) => this.debug(`mqtt: client ${client?.id === undefined ? '?' : printable(client.id)}: ${err.message}`));
    this.aedes.on('connectionError', (_client, err) => this.debug(`mqtt: connection error: ${err.message}`));
    (this.aedes as EventEmitter).on('error', (err: Error) => this.log(`mqtt: broker error: ${err.message}`));
  }

  /** Builds the broker; it accepts connections from the listeners attached afterwards. */
  static async create(core: Core, config: Config, opts: BrokerOptions = {}): Promise<MqttBroker> {
    const broker = new MqttBroker(core, config, opts);
    await broker.aedes.listen();
    broker.keeper.start(broker.aedes, broker.persistence, config.sweepIntervalMs);
    return broker;
  }

  // ---------------------------------------------------------------------------------------------
  // Listeners

  /** Plain MQTT over TCP; resolves with the bound port (port 0 picks a free one). */
  listenTcp(port: number, host: string): Promise<number> {
    const server = createNetServer((socket) => {
      socket.setNoDelay(true);
      this.handle(socket, showIp(socket.remoteAddress));
    });
    return this.listenOn(server, port, host);
  }

  /** MQTT over TLS with the PEM certificate and key at the given paths. */
  listenTls(port: number, host: string, certPath: string, keyPath: string): Promise<number> {
    const server = createTlsServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (socket) => {
      socket.setNoDelay(true);
      this.handle(socket, showIp(socket.remoteAddress));
    });
    server.on('tlsClientError', (err) => this.log(`mqtt: TLS handshake failed: ${err.message}`));
    return this.listenOn(server, port, host);
  }

  /** MQTT over WebSocket on an existing HTTP server (Fastify's), at `path`. */
  attachWebSocket(server: HttpServer, path = MQTT_WS_PATH): void {
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.config.mqttMaxPacketBytes + 1024 });
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = (req.url ?? '').split('?')[0];
      if (url !== path && url !== `${path}/`) {
        // Someone else may serve other paths; otherwise refuse so the socket does not hang.
        if (server.listeners('upgrade').length === 1) {
          socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        }
        return;
      }
      if (this.closing) return void socket.destroy();
      this.upgraded.add(socket);
      socket.once('close', () => this.upgraded.delete(socket));
      wss.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => {});
        const ip = showIp(req.socket.remoteAddress);
        this.handle(stream, ip, req);
      });
    };
    server.on('upgrade', onUpgrade);
    this.detachers.push(() => {
      server.off('upgrade', onUpgrade);
      wss.close();
    });
  }

  private listenOn(server: NetServer | TlsServer, port: number, host: string): Promise<number> {
    // Closed by Node before a TLS handshake or any of our work; handle() also counts WebSockets.
    server.maxConnections = this.config.mqttMaxConnections;
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const addr = server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Hands one connection to Aedes behind the packet size guard. */
  handle(inner: Duplex, ip: string, req?: IncomingMessage): void {
    if (!this.admit(inner, ip)) return;
    this.connections.add(inner);
    inner.once('close', () => this.connections.delete(inner));
    const guard = new FrameGuard(inner, {
      maxPacketBytes: this.config.mqttMaxPacketBytes,
      onTooBig: (g, bytes) => this.packetTooBig(g, bytes),
      onMalformed: (g, reason) => this.packetMalformed(g, reason),
    });
    this.ips.set(guard, ip);
    this.pending.add(guard);
    this.pendingByIp.set(ip, (this.pendingByIp.get(ip) ?? 0) + 1);
    guard.once('close', () => {
      this.connectArrived(guard);
      const client = guard.client as Client | undefined;
      if (client) this.forget(client);
    });
    const client = this.aedes.handle(guard, req) as Client & { _parser?: EventEmitter };
    // QoS 2 is not offered. Aedes answers a SUBSCRIBE with the QoS the client asked for, whatever
    // authorizeSubscribe grants, so lower the request before Aedes reads it: SUBACK says 1.
    client._parser?.prependListener('packet', (p: { cmd?: string; subscriptions?: Array<{ qos: number }> }) => {
      if (p.cmd === 'subscribe' && p.subscriptions) for (const s of p.subscriptions) if (s.qos > 1) s.qos = 1;
    });
  }

  /**
   * Connections are refused on arrival past the overall cap, or when their address already holds
   * too many that have not sent CONNECT: a flood of silent sockets from one address (each held until
   * connectTimeout) must not use up what other clients need.
   */
  private admit(inner: Duplex, ip: string): boolean {
    let refusal: string | undefined;
    if (this.connections.size >= this.config.mqttMaxConnections) {
      refusal = `${this.config.mqttMaxConnections} connections are open`;
    } else {
      const cap = this.config.mqttMaxPendingPerAddress;
      if (cap > 0 && (this.pendingByIp.get(ip) ?? 0) >= cap) refusal = `${cap} connections from ${ip} have not sent CONNECT yet`;
    }
    if (refusal === undefined) return true;
    this.debug(`mqtt: refusing a connection from ${ip}: ${refusal}`);
    inner.on('error', () => {});
    inner.destroy();
    return false;
  }

  /** The connection sent CONNECT (or closed): it no longer counts as pending for its address. */
  private connectArrived(conn: object): void {
    if (!this.pending.delete(conn)) return;
    const ip = this.ips.get(conn) ?? '';
    const left = (this.pendingByIp.get(ip) ?? 1) - 1;
    if (left > 0) this.pendingByIp.set(ip, left);
    else this.pendingByIp.delete(ip);
  }

  /** A packet broke an MQTT rule (frames.ts): the connection is closed, as the spec requires. */
  private packetMalformed(guard: FrameGuard, reason: string): void {
    const session = this.sessions.get(guard.client as Client);
    this.debug(`mqtt: closing ${session ? printable(session.id) : 'a connection'}: ${reason}`);
    if (session?.user) this.fanout.report(session.user.username, `${session.id} ${session.ip} packet rejected, ${reason}; disconnecting`);
  }

  private packetTooBig(guard: FrameGuard, bytes: number): void {
    const session = this.sessions.get(guard.client as Client);
    const max = this.config.mqttMaxPacketBytes;
    this.debug(`mqtt: closing ${session ? printable(session.id) : 'a connection'}: packet of ${bytes} bytes is over ${max}`);
    if (session?.user) {
      this.fanout.report(
        session.user.username,
        `${session.id} ${session.ip} packet of ${bytes} bytes rejected, larger than the maximum packet size of ${max} bytes; disconnecting`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting

  private preConnect(client: Client, packet: ConnectPacket, cb: (err: Error | null, ok: boolean) => void): void {
    this.connectArrived(client.conn);
    // [MQTT-3.1.3-8]: a zero-length client id needs clean session; authenticate answers CONNACK 2.
    if (!packet.clientId && packet.clean === false) this.emptyIdPersistent.add(client);
    cb(null, true);
  }

  private authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
  ): void {
    if (this.emptyIdPersistent.has(client)) return done(authError(2, 'identifier rejected'), null);
    const ip = this.ips.get(client.conn) ?? '';
    let user: UserRow | null = null;
    let token: TokenRow | null = null;
    try {
      if (username === undefined || username === '') {
        // Anonymous sessions may only read time/*; a password without a username is a malformed login.
        if (password && password.length > 0) return done(authError(5, 'not authorized'), null);
      } else {
        const bans = this.core.ctx.bans;
        // A wrong key cannot be guessed quickly: a username (or a whole address) with many failures
        // from this address is refused outright.
        if (bans.loginBlocked(ip, username)) return refuseConnect(client, 6, done);
        const secret = password ? password.toString('utf8') : '';
        user = this.core.accounts.authenticateUser(username, secret) ?? null;
        if (!user) ({ user, token } = this.tokenLogin(username, secret));
        if (!user) {
          bans.loginFailed(ip, username);
          return done(authError(5, 'not authorized'), null);
        }
        const ban = bans.note(user, 'connect') ?? bans.current(user);
        if (ban) return refuseConnect(client, ban.reason === 'connect' ? 6 : 7, done);
      }
    } catch (err) {
      this.log(`mqtt: login failed with an internal error: ${String(err)}`);
      return done(authError(3, 'server unavailable'), null);
    }
    const session = new ClientSession(client, user, ip, token);
    try {
      this.keeper.login(session, client.clean);
    } catch (err) {
      this.log(`mqtt: opening the session of ${client.id} failed: ${String(err)}`);
      return done(authError(3, 'server unavailable'), null);
    }
    this.sessions.set(client, session);
    if (token) this.armExpiry(session);
    else if (user) session.releaseKey = this.core.accounts.watchKey(user);
    if (user) {
      let live = this.byUser.get(user.id);
      if (!live) this.byUser.set(user.id, (live = new Set()));
      live.add(session);
    }
    done(null, true);
  }

  /** A ban closes every connection of the user, after telling them why on `{user}/errors`. */
  private enforceBan(user: UserRow, ban: { message: string }): void {
    this.fanout.report(user.username, ban.message);
    const live = [...(this.byUser.get(user.id) ?? [])];
    // Next tick, so the report is written before the connections go.
    setImmediate(() => {
      for (const s of live) s.client.close();
    });
  }

  private forget(client: Client): void {
    const session = this.sessions.get(client);
    if (!session) return;
    clearTimeout(session.expiryTimer);
    session.releaseKey?.();
    try {
      this.keeper.away(session);
    } catch (err) {
      this.log(`mqtt: keeping the session of ${session.id} failed: ${String(err)}`);
    }
    this.index.removeSession(session);
    if (session.user) {
      const live = this.byUser.get(session.user.id);
      live?.delete(session);
      if (live?.size === 0) this.byUser.delete(session.user.id);
    }
    this.time.update();
  }

  // ---------------------------------------------------------------------------------------------
  // Subscribing

  private authorizeSubscribe(
    client: Client,
    sub: Subscription,
    cb: (err: Error | null, sub?: Subscription | null) => void,
  ): void {
    const session = this.sessions.get(client);
    if (!session) return cb(null, null);
    // A stored subscription Aedes restores on a clean session 0 CONNECT: checked like a new one, not
    // counted towards a ban (the client did not send it), and live only once the queue replays.
    const restoring = session.restored !== null;
    const info = parseFilter(sub.topic);
    let reason: string | undefined;
    if (!info) reason = REJECT.notResource;
    else if (!info.isTime && (!session.user || info.user !== session.user.username)) reason = REJECT.notAuthorized;
    else if (session.token && !this.tokenMaySubscribe(session, session.token, sub.topic, info)) reason = REJECT.notAuthorized;
    if (reason !== undefined || !info) {
      this.reject(session, 'SUBSCRIBE', sub.topic, reason ?? REJECT.notResource);
      if (restoring) this.keeper.refuseRestored(session, sub.topic);
      else if (session.user) this.core.ctx.bans.note(session.user, 'refusedSubscribe');
      return cb(null, null); // SUBACK 0x80
    }
    // QoS 2 is not offered: granted as 1.
    const qos: Qos = sub.qos >= 1 ? 1 : 0;
    const compiled = compileSub(sub.topic, qos, info);
    if (restoring) {
      this.keeper.restore(session, info.isTime ? null : info.user, compiled);
      return cb(null, { ...sub, qos });
    }
    if (session.user) this.core.ctx.bans.note(session.user, 'subscribe');
    this.index.add(session, info.isTime ? null : info.user, compiled);
    if (info.isTime) this.time.update();
    cb(null, { ...sub, qos });
  }

  // ---------------------------------------------------------------------------------------------
  // Publishing

  /**
   * Every PUBLISH goes through the core's group commit (core/write-queue.ts): the packets read in one
   * turn of the event loop are stored in one transaction, each in its own savepoint, and Aedes writes
   * the PUBACK only when `cb` runs, after the commit that holds the point. A publish the storage could
   * not take (busy past AIO_DB_BUSY_TIMEOUT_MS, disk full) gets no PUBACK: the reason goes to
   * `{user}/errors` and the connection is closed, so that the client sends it again.
   */
  private authorizePublish(client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
    const session = client ? this.sessions.get(client) : undefined;
    if (!session) return consume(packet, cb, null);
    this.core.data.soon(() => this.handlePublish(session, packet)).then(
      () => consume(packet, cb, null),
      (err: unknown) => this.publishFailed(session, packet, cb, err),
    );
  }

  private publishFailed(session: ClientSession, packet: PublishPacket, cb: (err?: Error | null) => void, err: unknown): void {
    const stored = err instanceof AioError && err.notStored;
    if (!stored) this.log(`mqtt: PUBLISH ${JSON.stringify(packet.topic)} failed: ${String(err)}`);
    this.reject(session, 'PUBLISH', packet.topic, stored ? (err as AioError).message : 'internal error, not stored');
    if (packet.qos === 0) return consume(packet, cb, null);
    cb(err instanceof Error ? err : new Error(String(err)));
  }

  private handlePublish(session: ClientSession, packet: PublishPacket): void {
    const user = session.user;
    const topic = packet.topic;
    if (!user) {
      this.debug(`mqtt: anonymous PUBLISH ${topic} dropped`);
      return;
    }
    const t = parseTopic(topic);
    if (!t) return this.rejectPublish(session, topic, REJECT.badFormat);
    if (t.kind === 'time' || t.user !== user.username) return this.rejectPublish(session, topic, REJECT.notAuthorized);
    if (t.kind !== 'feed' && t.kind !== 'group') return this.rejectPublish(session, topic, REJECT.notWritable);
    if (session.token && !this.tokenMayPublish(session.token, user, t)) return this.rejectPublish(session, topic, REJECT.notAuthorized);
    try {
      if (t.kind === 'feed') {
        if (t.get) this.feedGet(session, user, t, topic);
        else this.feedPublish(user, t, packet);
      } else if (t.get) {
        this.groupGet(session, user, t, topic);
      } else {
        this.groupPublish(user, t, packet);
      }
    } catch (err) {
      // Over the rate limit: the limiter's notice goes to `{user}/throttle` (see Fanout), not to errors.
      if (err instanceof AioError && err.kind === 'throttled') {
        this.debug(`mqtt: ${session.id} PUBLISH ${topic} throttled`);
        this.core.ctx.bans.note(user, 'throttledPublish');
        return;
      }
      if (err instanceof AioError) return this.rejectPublish(session, topic, err.message);
      throw err;
    }
  }

  private feedPublish(user: UserRow, t: FeedTopic, packet: PublishPacket): void {
    const p = parseFeedPayload(payloadBuffer(packet.payload), t.format);
    if (p.value === '') throw invalid("Validation failed: Value can't be blank");
    const datum: DatumInput = { value: p.value, lat: p.lat ?? null, lon: p.lon ?? null, ele: p.ele ?? null };
    this.core.data.createOrAutoCreate(user, t.ident, [datum], packet.qos >= 1 ? 1 : 0);
  }

  private groupPublish(user: UserRow, t: GroupTopic, packet: PublishPacket): void {
    const p = parseGroupPayload(payloadBuffer(packet.payload), groupFormat(t.format));
    const location = { lat: p.lat ?? null, lon: p.lon ?? null, ele: p.ele ?? null };
    const entries = p.feeds.map((f) => ({ key: f.key, datum: { value: f.value, ...location } }));
    for (const e of entries) if (e.datum.value === '') throw invalid(`Validation failed: Value for ${e.key} can't be blank`);
    this.core.data.createInGroupOrAutoCreate(user, t.ident, entries, packet.qos >= 1 ? 1 : 0);
  }

  /** `<topic>/get`: the last value, to this client only, on `<topic>` in its format. Not stored. */
  private feedGet(session: ClientSession, user: UserRow, t: FeedTopic, topic: string): void {
    const feed = this.core.feeds.find(user, t.ident);
    if (!feed) throw feedNotFound(t.ident, user.username);
    const last = this.core.data.latest(feed);
    if (!last) return; // nothing stored yet: nothing to send (compat-notes §5 q7)
    const target = topic.slice(0, -'/get'.length);
    session.send(target, feedPayload(this.core, feed, last, t.format), this.index.find(session, target)?.qos ?? 0);
  }

  private groupGet(session: ClientSession, user: UserRow, t: GroupTopic, topic: string): void {
    const group = this.core.groups.find(user, t.ident);
    if (!group) throw groupNotFound(t.ident, user.username);
    const feeds = this.core.groups.feedsByGroup(user, group.id).get(group.id) ?? [];
    const entries: GroupEntry[] = [];
    for (const f of feeds) {
      const last = this.core.data.latest(f);
      if (last) entries.push({ key: keyInGroup(f, group), value: last.value });
    }
    if (entries.length === 0) return;
    const target = topic.slice(0, -'/get'.length);
    session.send(target, groupPayload(entries, null, groupFormat(t.format)), this.index.find(session, target)?.qos ?? 0);
  }

  /** A refused PUBLISH counts towards a ban, like a refused SUBSCRIBE. */
  private rejectPublish(session: ClientSession, topic: string, reason: string): void {
    this.reject(session, 'PUBLISH', topic, reason);
    if (session.user) this.core.ctx.bans.note(session.user, 'refusedPublish');
  }

  /** Reports a refusal on the user's `{user}/errors` topic: `CLIENT_ID IP ACTION TOPIC rejected, reason`. */
  private reject(session: Session, action: 'PUBLISH' | 'SUBSCRIBE', topic: string, reason: string): void {
    this.debug(`mqtt: ${printable(session.id)} ${action} ${printable(topic)} rejected, ${reason}`);
    if (!session.user) return;
    this.fanout.report(session.user.username, `${session.id} ${session.ip} ${action} ${topic} rejected, ${reason}`);
  }

  // ---------------------------------------------------------------------------------------------
  // Scoped tokens (core/tokens.ts): a token logs in like the key (username + token as password) and
  // is then held to its flags (SUBSCRIBE and /get need readable, PUBLISH createable), its feed and
  // its lifetime. Deleting or changing it closes the sessions that logged in with it.

  private tokenLogin(username: string, secret: string): { user: UserRow | null; token: TokenRow | null } {
    const found = this.core.tokens.authenticateUser(username, secret);
    if (!found || tokenExpired(found.token, this.core.ctx.clock())) return { user: null, token: null };
    return found;
  }

  /**
   * A feed-limited token may subscribe only to its own feed's literal topics and `{user}/throttle`;
   * time topics are open to everyone.
   */
  private tokenMaySubscribe(session: ClientSession, token: TokenRow, filter: string, info: FilterInfo): boolean {
    if (info.isTime) return true;
    let feedId: number | undefined;
    if (token.feedId !== null && !info.wildcard) {
      const t = parseTopic(filter);
      if (t?.kind === 'throttle') feedId = token.feedId; // not about any feed
      else if (t?.kind === 'feed' && !t.get) feedId = this.core.feeds.find(session.user!, t.ident)?.id;
    }
    return tokenRefusal(token, 'readable', this.core.ctx.clock(), feedId) === undefined;
  }

  /** Feed and group publishes need createable (`/get` readable); a feed-limited token only its own feed. */
  private tokenMayPublish(token: TokenRow, user: UserRow, t: Extract<ParsedTopic, { kind: 'feed' | 'group' }>): boolean {
    const feedId = token.feedId !== null && t.kind === 'feed' ? this.core.feeds.find(user, t.ident)?.id : undefined;
    return tokenRefusal(token, t.get ? 'readable' : 'createable', this.core.ctx.clock(), feedId) === undefined;
  }

  /** Closes the session when its token expires (timers are capped near 24 days, so long ones re-arm). */
  private armExpiry(session: ClientSession): void {
    const expiration = session.token?.expiration;
    if (expiration === null || expiration === undefined) return;
    const wait = Math.min(Math.max(expiration - this.core.ctx.clock(), 0), 2 ** 31 - 1);
    session.expiryTimer = setTimeout(() => {
      if (tokenExpired(session.token!, this.core.ctx.clock())) session.client.close();
      else this.armExpiry(session);
    }, wait);
    session.expiryTimer.unref();
  }

  /**
   * After a token changes or goes (deleted, or with its feed or the feed's group), the user's token
   * sessions are checked against the database: one whose token is gone or allows something else is
   * closed, so the client reconnects under the token as it is now.
   */
  private tokensChanged(e: ActivityEvent): void {
    const relevant = e.model === 'Token' ? e.action !== 'create' : (e.model === 'Feed' || e.model === 'Group') && e.action === 'delete';
    if (!relevant) return;
    for (const session of [...(this.byUser.get(e.userId) ?? [])]) {
      if (!session.token) continue;
      const current = this.core.tokens.byId(session.token.id);
      if (!current || !sameScope(current, session.token)) session.client.close();
    }
  }

  /**
   * The account's key was replaced (here, or by the account command in another process): sessions
   * that logged in with an older key end at once. Token sessions have their own rules (tokensChanged).
   */
  private keyChanged(userId: number): void {
    const live = [...(this.byUser.get(userId) ?? [])];
    const username = live[0]?.user?.username;
    if (username === undefined) return;
    const current = this.core.accounts.find(username)?.keyHash;
    for (const session of live) {
      if (session.token || session.user?.keyHash === current) continue;
      this.debug(`mqtt: closing ${printable(session.id)}: the account key it logged in with was replaced`);
      session.client.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stopping

  /** Stops listening, disconnects every client (they see the connection close) and stops the timers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.time.stop();
      this.keeper.stop();
      for (const detach of this.detachers) detach();
      const serversClosed = this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
      await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
      await this.persistence.destroy();
      this.fanout.stop();
      // Connections that never completed CONNECT are not Aedes clients: end them too.
      for (const c of this.connections) c.end();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([Promise.all(serversClosed), timeout]);
      for (const c of [...this.connections, ...this.upgraded]) c.destroy();
      await Promise.all(serversClosed);
    })();
    return this.closing;
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

