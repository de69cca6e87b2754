import type { Server as HttpServer, ServerOptions } from 'node:http';
import type { HttpLimits } from '../config.js';

// About 20,000 sockets that never sent a byte (the process's file limit) once made every HTTP request
// and MQTT CONNECT fail. Idle and slow sockets are now closed, and one address cannot hold them all.
// A socket upgraded to WebSocket (MQTT at /mqtt) leaves these timeouts behind: node stops applying
// them to it and `ws` clears its idle timer; MQTT keep-alive governs it from then on.

/** Node's own options: only settable when the server is made (Fastify's `http` option). */
export function serverOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node checks the headers and request deadlines on this beat (30 s by default, which would let a
    // 10 s deadline slip to 40 s).
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** Caps open sockets, overall and per remote address, closing the newest excess socket at once. */
export function capConnections(server: HttpServer, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const ip = socket.remoteAddress ?? '';
    const n = (open.get(ip) ?? 0) + 1;
    if (n > limits.maxConnectionsPerIp) return void socket.destroy();
    open.set(ip, n);
    socket.once('close', () => {
      const left = (open.get(ip) ?? 1) - 1;
      if (left === 0) open.delete(ip);
      else open.set(ip, left);
    });
  });
}
