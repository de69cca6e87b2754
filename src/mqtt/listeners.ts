// Where connections come from (TCP, TLS, WebSocket on the HTTP server) and how each is handed to Aedes:
// behind the connection caps and the packet size guard (frames.ts).

import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Client } from 'aedes';
import type { WebSocketServer } from 'ws';
import type { BrokerContext } from './broker-context.js';
import { connectArrived, forget } from './connect.js';
import { controlConnection } from './control-hooks.js';
import { FrameGuard } from './frames.js';
import { printable } from './log-text.js';

export const MQTT_WS_PATH = '/mqtt';

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) as `1.2.3.4`, for the errors topic. */
function showIp(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** Plain MQTT over TCP; resolves with the bound port (port 0 picks a free one). */
export function listenTcp(ctx: BrokerContext, port: number, host: string): Promise<number> {
  const server = createNetServer((socket) => {
    socket.setNoDelay(true);
    handle(ctx, socket, showIp(socket.remoteAddress));
  });
  return listenOn(ctx, server, port, host);
}

/** MQTT over TLS with the PEM certificate and key at the given paths. */
export function listenTls(ctx: BrokerContext, port: number, host: string, certPath: string, keyPath: string): Promise<number> {
  const server = createTlsServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (socket) => {
    socket.setNoDelay(true);
    handle(ctx, socket, showIp(socket.remoteAddress));
  });
  server.on('tlsClientError', (err) => ctx.log(`mqtt: TLS handshake failed: ${err.message}`));
  return listenOn(ctx, server, port, host);
}

/** MQTT over WebSocket on an existing HTTP server (Fastify's), at `path`. */
export function attachWebSocket(ctx: BrokerContext, server: HttpServer, path = MQTT_WS_PATH): void {
  // `ws` is loaded by the first WebSocket client, not at start: it is a fifth of the broker's import time.
  let wss: Promise<{ server: WebSocketServer; stream: typeof import('ws').createWebSocketStream }> | undefined;
  const load = () =>
    (wss ??= import('ws').then((ws) => ({
      server: new ws.WebSocketServer({ noServer: true, maxPayload: ctx.config.mqttMaxPacketBytes + 1024 }),
      stream: ws.createWebSocketStream,
    })));
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = (req.url ?? '').split('?')[0];
    if (url !== path && url !== `${path}/`) {
      // Someone else may serve other paths; otherwise refuse so the socket does not hang.
      if (server.listeners('upgrade').length === 1) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
      return;
    }
    if (ctx.closing) return void socket.destroy();
    ctx.upgraded.add(socket);
    socket.once('close', () => ctx.upgraded.delete(socket));
    load().then(
      (w) => {
        if (ctx.closing) return void socket.destroy();
        w.server.handleUpgrade(req, socket, head, (ws) => {
          const stream = w.stream(ws);
          stream.on('error', () => {});
          const ip = showIp(req.socket.remoteAddress);
          handle(ctx, stream, ip, req);
        });
      },
      () => socket.destroy(),
    );
  };
  server.on('upgrade', onUpgrade);
  ctx.detachers.push(() => {
    server.off('upgrade', onUpgrade);
    void wss?.then((w) => w.server.close());
  });
}

function listenOn(ctx: BrokerContext, server: NetServer | TlsServer, port: number, host: string): Promise<number> {
  // Closed by Node before a TLS handshake or any of our work; handle() also counts WebSockets.
  server.maxConnections = ctx.config.mqttMaxConnections;
  ctx.servers.push(server);
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
export function handle(ctx: BrokerContext, inner: Duplex, ip: string, req?: IncomingMessage): void {
  if (!admit(ctx, inner, ip)) return;
  ctx.connections.add(inner);
  inner.once('close', () => ctx.connections.delete(inner));
  // Test control plane (control-hooks.ts): only when it is on does a connection take this extra step.
  const conn = ctx.control ? controlConnection(inner, ctx.control, ip) : inner;
  const guard = new FrameGuard(conn, {
    maxPacketBytes: ctx.config.mqttMaxPacketBytes,
    onTooBig: (g, bytes) => packetTooBig(ctx, g, bytes),
    onMalformed: (g, reason) => packetMalformed(ctx, g, reason),
  });
  ctx.ips.set(guard, ip);
  ctx.pending.add(guard);
  ctx.pendingByIp.set(ip, (ctx.pendingByIp.get(ip) ?? 0) + 1);
  guard.once('close', () => {
    connectArrived(ctx, guard);
    const client = guard.client as Client | undefined;
    if (client) forget(ctx, client);
  });
  const client = ctx.aedes.handle(guard, req) as Client & { _parser?: EventEmitter };
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
function admit(ctx: BrokerContext, inner: Duplex, ip: string): boolean {
  let refusal: string | undefined;
  if (ctx.connections.size >= ctx.config.mqttMaxConnections) {
    refusal = `${ctx.config.mqttMaxConnections} connections are open`;
  } else {
    const cap = ctx.config.mqttMaxPendingPerAddress;
    if (cap > 0 && (ctx.pendingByIp.get(ip) ?? 0) >= cap) refusal = `${cap} connections from ${ip} have not sent CONNECT yet`;
  }
  if (refusal === undefined) return true;
  ctx.debug(`mqtt: refusing a connection from ${ip}: ${refusal}`);
  inner.on('error', () => {});
  inner.destroy();
  return false;
}

/** A packet broke an MQTT rule (frames.ts): the connection is closed, as the spec requires. */
function packetMalformed(ctx: BrokerContext, guard: FrameGuard, reason: string): void {
  const session = ctx.sessions.get(guard.client as Client);
  ctx.debug(`mqtt: closing ${session ? printable(session.id) : 'a connection'}: ${reason}`);
  if (session?.user) ctx.fanout.report(session.user.username, `${session.id} ${session.ip} packet rejected, ${reason}; disconnecting`);
}

function packetTooBig(ctx: BrokerContext, guard: FrameGuard, bytes: number): void {
  const session = ctx.sessions.get(guard.client as Client);
  const max = ctx.config.mqttMaxPacketBytes;
  ctx.debug(`mqtt: closing ${session ? printable(session.id) : 'a connection'}: packet of ${bytes} bytes is over ${max}`);
  if (session?.user) {
    ctx.fanout.report(
      session.user.username,
      `${session.id} ${session.ip} packet of ${bytes} bytes rejected, larger than the maximum packet size of ${max} bytes; disconnecting`,
    );
  }
}
