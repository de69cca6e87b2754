import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type HttpLimits } from '../../src/config.js';
import { buildApp } from '../../src/http/app.js';
import { startServer, type Server } from '../../src/server.js';
import { makeCore, tempDir, testConfig, type TestCore } from '../helpers.js';

// Real sockets against a listening server, with the timeouts shortened through the config. Socket
// timers are node's own, so these tests wait (a second at most) instead of moving a clock.

const SHORT: HttpLimits = {
  ...loadConfig({}).http,
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  idleTimeoutMs: 300,
  keepAliveTimeoutMs: 200,
};

let core: TestCore | undefined;
let app: FastifyInstance | undefined;
let server: Server | undefined;
const sockets: Socket[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  await server?.close();
  core?.close();
  for (const c of cleanups.splice(0)) c();
  app = server = core = undefined;
});

async function listen(http: Partial<HttpLimits>): Promise<number> {
  core = makeCore({ config: { http: { ...SHORT, ...http } } });
  app = await buildApp(core.core, { logLevel: 'silent' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

interface Opened {
  socket: Socket;
  /** Resolves, once the server has closed the socket, with the ms it stayed open and what it was sent. */
  closed: Promise<{ ms: number; text: string }>;
  connected: Promise<void>;
}

function open(port: number, localAddress = '127.0.0.1'): Opened {
  const start = performance.now();
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  sockets.push(socket);
  let text = '';
  socket.on('data', (d) => (text += d.toString()));
  socket.on('error', () => {});
  return {
    socket,
    connected: new Promise((resolve) => socket.once('connect', () => resolve())),
    closed: new Promise((resolve) => socket.once('close', () => resolve({ ms: performance.now() - start, text }))),
  };
}

function get(port: number, path: string, localAddress = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('idle and slow HTTP connections are closed', () => {
  it('a socket that never sends a byte, after the idle timeout', async () => {
    const port = await listen({});
    const { ms, text } = await open(port).closed;
    expect(ms).toBeGreaterThanOrEqual(SHORT.idleTimeoutMs - 20);
    expect(ms).toBeLessThan(3000);
    expect(text).toBe('');
  });

  it('a socket that trickles its headers and never ends them, at the headers deadline (408)', async () => {
    const port = await listen({});
    const o = open(port);
    await o.connected;
    o.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    // A byte well within the idle timeout each time: only the headers deadline can end this.
    const drip = setInterval(() => o.socket.writable && o.socket.write('X-Slow: 1\r\n'), 50);
    const { ms, text } = await o.closed;
    clearInterval(drip);
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(ms).toBeGreaterThanOrEqual(SHORT.headersTimeoutMs - 20);
    expect(ms).toBeLessThan(SHORT.requestTimeoutMs + 1000);
  });

  it('a request whose body dawdles, at the request deadline (408)', async () => {
    const port = await listen({ headersTimeoutMs: 500, idleTimeoutMs: 2000, requestTimeoutMs: 600 });
    const o = open(port);
    await o.connected;
    o.socket.write('POST /api/v2/alice/feeds HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const drip = setInterval(() => o.socket.writable && o.socket.write(' '), 50);
    const { ms, text } = await o.closed;
    clearInterval(drip);
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(ms).toBeGreaterThanOrEqual(600 - 20);
    expect(ms).toBeLessThan(1800);
  });

  it('a kept-alive socket, after the keep-alive timeout once its response is sent', async () => {
    const port = await listen({ idleTimeoutMs: 5000 });
    const o = open(port);
    await o.connected;
    o.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    const { ms, text } = await o.closed;
    expect(text).toMatch(/^HTTP\/1.1 200[\s\S]*Keep-Alive: timeout=0\b/i);
    // Node waits a second past the advertised timeout, so a client reusing the socket at the last moment is not cut.
    expect(ms).toBeGreaterThanOrEqual(SHORT.keepAliveTimeoutMs);
    expect(ms).toBeLessThan(SHORT.keepAliveTimeoutMs + 1000 + 800);
  });

  it('while requests that keep to the deadlines are served', async () => {
    const port = await listen({});
    expect(await get(port, '/health')).toBe(200);
    const o = open(port);
    await o.connected;
    const body = '{"name":"slow but fine"}';
    o.socket.write(
      `POST /api/v2/alice/feeds HTTP/1.1\r\nHost: x\r\nX-AIO-Key: alice-key-0123456789\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    await new Promise((r) => setTimeout(r, 150));
    o.socket.write(body);
    expect((await o.closed).text).toMatch(/^HTTP\/1.1 201/);
  });
});

describe('connection caps', () => {
  it('a flood from one address past its cap is cut at once, and other addresses are still served', async () => {
    const port = await listen({ idleTimeoutMs: 10_000, headersTimeoutMs: 5000, requestTimeoutMs: 8000, maxConnectionsPerIp: 20 });
    const flood = Array.from({ length: 20 }, () => open(port));
    await Promise.all(flood.map((f) => f.connected));
    const excess = Array.from({ length: 10 }, () => open(port));
    for (const e of excess) expect((await e.closed).ms).toBeLessThan(2000);
    expect(await get(port, '/health', '127.0.0.2')).toBe(200);
    // The cap holds the flood's own sockets open; once they go, the address is served again.
    let stillOpen = 0;
    for (const f of flood) if (!f.socket.destroyed) stillOpen++;
    expect(stillOpen).toBe(20);
    for (const f of flood) f.socket.destroy();
    await Promise.all(flood.map((f) => f.closed));
    await new Promise((r) => setTimeout(r, 50));
    expect(await get(port, '/health')).toBe(200);
  });

  it('all addresses together are capped by AIO_HTTP_MAX_CONNECTIONS', async () => {
    const port = await listen({
      idleTimeoutMs: 10_000,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 8000,
      maxConnections: 6,
      maxConnectionsPerIp: 100,
    });
    const held = ['127.0.0.1', '127.0.0.2', '127.0.0.3'].flatMap((ip) => [open(port, ip), open(port, ip)]);
    await Promise.all(held.map((h) => h.connected));
    await new Promise((r) => setTimeout(r, 50));
    const extra = open(port, '127.0.0.4');
    expect((await extra.closed).ms).toBeLessThan(2000);
    expect(held.every((h) => !h.socket.destroyed)).toBe(true);
  });
});

describe('MQTT over WebSocket on the HTTP port', () => {
  it('an upgraded socket outlives every HTTP timeout', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const key = 'ws-key-0123456789';
    server = await startServer(testConfig({ username: 'ws', key, http: SHORT }, join(tmp.dir, 'aio.sqlite')), {
      log: () => {},
      mqttTimers: null,
    });
    const port = new URL(server.httpUrl).port;
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${port}/mqtt`, {
      username: 'ws',
      password: key,
      reconnectPeriod: 0,
      keepalive: 0,
    });
    let closed = false;
    client.on('close', () => (closed = true));
    // Silent for longer than the idle, keep-alive, headers and request timeouts together.
    await new Promise((r) =>
      setTimeout(r, SHORT.idleTimeoutMs + SHORT.keepAliveTimeoutMs + SHORT.headersTimeoutMs + SHORT.requestTimeoutMs + 300),
    );
    expect(closed).toBe(false);
    const got = new Promise<string>((resolve) => client.on('message', (_t, p) => resolve(p.toString())));
    await client.subscribeAsync('ws/f/alive');
    await client.publishAsync('ws/f/alive', 'still here');
    expect(await got).toBe('still here');
    await client.endAsync();
  });
});
