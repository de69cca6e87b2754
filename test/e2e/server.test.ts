import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../../src/server.js';
import { tempDir, testConfig } from '../helpers.js';
import { spawnServer } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('over a real socket', () => {
  let server: Server;
  const tmp = tempDir();
  const key = 'e2e-key-123';

  beforeAll(async () => {
    server = await startServer(testConfig({ username: 'eve', key }, join(tmp.dir, 'aio.sqlite')), { log: () => {} });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('pages through more than 2,000 points by following the Link header', async () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let chunk = 0; chunk < 5; chunk++) {
      const data = Array.from({ length: 500 }, (_, i) => ({
        value: chunk * 500 + i,
        created_at: new Date(base + (chunk * 500 + i) * 1000).toISOString(),
      }));
      const res = await fetch(`${server.httpUrl}/api/v2/eve/feeds/big/data/batch`, {
        method: 'POST',
        headers: { 'X-AIO-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify({ data }),
      });
      expect(res.status).toBe(200);
    }
    const values: number[] = [];
    let url: string | undefined = `${server.httpUrl}/api/v2/eve/feeds/big/data`;
    let pages = 0;
    while (url) {
      const res: Response = await fetch(url, { headers: { 'X-AIO-Key': key } });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-pagination-total')).toBe('2500');
      const body = (await res.json()) as Array<{ value: string }>;
      values.push(...body.map((d) => Number(d.value)));
      pages++;
      const link: string = res.headers.get('link')!;
      expect(link.startsWith(`<${server.httpUrl}/api/v2/eve/feeds/big/data?`)).toBe(true);
      url = /rel="next", <(.+?)>/.exec(link)?.[1];
    }
    expect(pages).toBe(3);
    expect(values).toEqual(Array.from({ length: 2500 }, (_, i) => 2499 - i));
  });

  it('answers the CORS preflight', async () => {
    const res = await fetch(`${server.httpUrl}/api/v2/eve/feeds`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://example.test', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'X-AIO-Key' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toContain('X-AIO-Key');
  });
});

/** Whether a process is still there (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the npm start process', () => {
  it('compiles, starts, prints its URL and account but no key, serves, and SIGTERM to npm stops the server itself cleanly', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'sub', 'aio.sqlite');
    // As Docker and the README run it: `npm start`, whose pid is the one that gets the signal.
    const server = spawnServer('npm', ['start'], { cwd: ROOT, dbPath, username: 'proc', key: 'proc-secret-key' });
    const { child } = server;
    const [, url] = await server.started(90_000);
    const out = server.output;
    expect(out()).toContain('proc');
    expect(out()).not.toContain('proc-secret-key');
    const write = await fetch(`${url}/api/v2/proc/feeds/kept/data`, {
      method: 'POST',
      headers: { 'X-AIO-Key': 'proc-secret-key', 'Content-Type': 'application/json' },
      body: '{"value": 7}',
    });
    expect(write.status).toBe(200);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    // npm's script replaces its shell with the server (exec): the signal reaches the server itself.
    const servers = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)])
      .toString()
      .trim()
      .split('\n');
    expect(servers).toHaveLength(1);
    expect(servers[0]).toContain('node dist/main.js');
    const serverPid = Number(servers[0]!.trim().split(/\s+/)[0]);
    child.kill('SIGTERM');
    for (let i = 0; i < 200 && alive(serverPid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(serverPid)).toBe(false);
    expect(out()).toContain('SIGTERM received');
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    const db = new Database(dbPath, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.prepare('SELECT value FROM data').all()).toEqual([{ value: '7' }]);
    db.close();
    // A clean close leaves no WAL behind.
    expect(existsSync(`${dbPath}-wal`) ? statSync(`${dbPath}-wal`).size : 0).toBe(0);
    tmp.cleanup();
  }, 120_000);

  it('stops with a one-line message naming a bad variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('PORT');
  });
});

describe('readiness', () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
  const accepts = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });

  it('answers /health only once MQTT and the control plane accept connections too', async () => {
    const tmp = tempDir();
    const [http, mqttPort, controlPort] = [await freePort(), await freePort(), await freePort()];
    // From source through tsx, as the Python client's tests start it: the control door is loaded on
    // first use, so it is the last to come up.
    const server = spawnServer(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      dbPath: join(tmp.dir, 'aio.sqlite'),
      username: 'ready',
      key: 'ready-secret-key',
      env: {
        PORT: String(http),
        MQTT_PORT: String(mqttPort),
        AIO_CONTROL_PORT: String(controlPort),
        AIO_CONTROL_KEY: 'ready-control-key-0123456789',
      },
    });
    try {
      let healthy = false;
      for (let i = 0; i < 3000 && !healthy && server.child.exitCode === null; i++) {
        healthy = await fetch(`http://127.0.0.1:${http}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!healthy) await new Promise((r) => setTimeout(r, 5));
      }
      expect(healthy, server.output()).toBe(true);
      expect(await accepts(mqttPort)).toBe(true);
      expect(await accepts(controlPort)).toBe(true);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      tmp.cleanup();
    }
  });
});
