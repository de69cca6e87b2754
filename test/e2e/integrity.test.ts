// The first promise over real sockets: a 2xx or a PUBACK only for what is committed, and nothing
// delivered that was not. The database is made busy by a second connection holding the write lock
// (as the account command does), and full by a tiny tmpfs.

import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../../src/server.js';
import { FakeClock, tempDir, testConfig } from '../helpers.js';

const KEY = 'integrity-key-0123';

interface Rig {
  server: Server;
  dbPath: string;
  clients: MqttClient[];
  post(feed: string, value: string): Promise<Response>;
  connect(opts?: mqtt.IClientOptions): Promise<MqttClient>;
  stored(feed: string): string[];
  close(): Promise<void>;
}

async function rig(dbPath: string, opts: { clock?: FakeClock; busyWaitMs?: number } = {}): Promise<Rig> {
  const config = testConfig({ username: 'ada', key: KEY, dbBusyWaitMs: opts.busyWaitMs ?? 10_000 }, dbPath);
  const server = await startServer(config, { log: () => {}, clock: opts.clock?.now, mqttTimers: null });
  const clients: MqttClient[] = [];
  return {
    server,
    dbPath,
    clients,
    post: (feed, value) =>
      fetch(`${server.httpUrl}/api/v2/ada/feeds/${feed}/data`, {
        method: 'POST',
        headers: { 'X-AIO-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ value }),
      }),
    async connect(o = {}) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
        username: 'ada',
        password: KEY,
        reconnectPeriod: 0,
        ...o,
      });
      clients.push(c);
      return c;
    },
    stored(feed) {
      const db = new Database(dbPath, { readonly: true });
      try {
        return (
          db.prepare(`SELECT d.value FROM data d JOIN feeds f ON f.id = d.feed_id WHERE f.key = ? ORDER BY d.id`).all(feed) as Array<{
            value: string;
          }>
        ).map((r) => r.value);
      } finally {
        db.close();
      }
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await server.close();
    },
  };
}

function lock(dbPath: string) {
  const db = new Database(dbPath);
  db.prepare('BEGIN IMMEDIATE').run();
  return {
    release() {
      db.prepare('COMMIT').run();
      db.close();
    },
  };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a database another process holds locked', () => {
  const tmp = tempDir();
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });

  it('HTTP and MQTT QoS 1 writes wait for the lock, then every acknowledged point is stored and delivered', async () => {
    r = await rig(join(tmp.dir, 'wait.sqlite'));
    const sub = await r.connect();
    const got: string[] = [];
    sub.on('message', (_t, p) => got.push(p.toString()));
    await sub.subscribeAsync('ada/f/+', { qos: 1 });
    const pub = await r.connect();
    await pub.publishAsync('ada/f/temp', 'warmup', { qos: 1 });
    await tick(50);
    got.length = 0;

    const held = lock(r.dbPath);
    const acks: string[] = [];
    const https = Array.from({ length: 5 }, (_, i) =>
      r!.post('temp', `h${i}`).then((res) => {
        acks.push(`h${i}:${res.status}`);
        return res;
      }),
    );
    const pubs = Array.from({ length: 5 }, (_, i) => pub.publishAsync('ada/f/temp', `m${i}`, { qos: 1 }).then(() => acks.push(`m${i}`)));
    await tick(300);
    // Nothing is acknowledged, nothing is delivered while nothing can be stored.
    expect(acks).toEqual([]);
    expect(got).toEqual([]);
    held.release();
    await Promise.all([...https, ...pubs]);
    expect(acks.filter((a) => a.startsWith('h')).sort()).toEqual(['h0:200', 'h1:200', 'h2:200', 'h3:200', 'h4:200']);
    const stored = r.stored('temp');
    for (let i = 0; i < 5; i++) {
      expect(stored).toContain(`h${i}`);
      expect(stored).toContain(`m${i}`);
    }
    await tick(100);
    expect(got.filter((v) => v !== 'warmup').sort()).toEqual(stored.filter((v) => v !== 'warmup').sort());
  });

  it('past AIO_DB_BUSY_TIMEOUT_MS: HTTP 503 with Retry-After, no PUBACK, the reason on {user}/errors, nothing stored or delivered; the client sends it again', async () => {
    const clock = new FakeClock();
    r = await rig(join(tmp.dir, 'giveup.sqlite'), { clock, busyWaitMs: 1000 });
    const watcher = await r.connect();
    const errors: string[] = [];
    const data: string[] = [];
    watcher.on('message', (t, p) => (t === 'ada/errors' ? errors : data).push(p.toString()));
    await watcher.subscribeAsync(['ada/errors', 'ada/f/temp']);
    // This client reconnects by itself and sends what was not acknowledged again.
    const pub = await r.connect({ reconnectPeriod: 50, clientId: 'resender', clean: true });
    const held = lock(r.dbPath);
    const http = r.post('temp', 'h1');
    let acked = false;
    const published = pub.publishAsync('ada/f/temp', 'm1', { qos: 1 }).then(() => (acked = true));
    const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()));
    await tick(100);
    clock.advance(1000);
    const res = await http;
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: string }).error).toMatch(/database is busy; nothing was stored/);
    await closed;
    expect(acked).toBe(false);
    await tick(100);
    expect(errors.some((e) => e.includes('PUBLISH ada/f/temp rejected') && e.includes('database is busy'))).toBe(true);
    expect(data).toEqual([]);
    expect(r.stored('temp')).toEqual([]);
    // The lock goes: the resent publish is stored once, then acknowledged.
    held.release();
    await published;
    expect(r.stored('temp')).toEqual(['m1']);
  });
});

/** A tmpfs of `kb` kilobytes at a fresh folder; undefined where mounting is not allowed. */
function tinyDisk(kb: number): { dir: string; unmount(): void } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const dir = tempDir('aio-full-').dir;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return {
    dir,
    unmount() {
      try {
        execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

const disk = tinyDisk(1024);

describe.skipIf(!disk)('a full disk (tmpfs; needs root to mount)', () => {
  if (!disk) console.warn('skipped: mounting a tmpfs needs root, so the full-disk test did not run');

  it('answers 507 and refuses publishes without a PUBACK, delivers only what was stored, keeps reading, and recovers when space returns', async () => {
    const dir = join(disk!.dir, 'db');
    mkdirSync(dir);
    const r = await rig(join(dir, 'aio.sqlite'));
    try {
      const watcher = await r.connect();
      const delivered: string[] = [];
      const errors: string[] = [];
      watcher.on('message', (t, p) => (t === 'ada/errors' ? errors : delivered).push(p.toString()));
      await watcher.subscribeAsync(['ada/errors', 'ada/f/fill']);
      expect((await r.post('fill', 'first')).status).toBe(200);
      // Take nearly all the space, then write until the disk says no.
      const filler = join(disk!.dir, 'filler');
      let size = 1024 * 1024;
      for (;;) {
        try {
          writeFileSync(filler, Buffer.alloc(size));
          break;
        } catch {
          size -= 16 * 1024;
        }
      }
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let i = 0; i < 2000 && !refused; i++) {
        const res = await r.post('fill', `v${i}-${'x'.repeat(900)}`);
        statuses.push(res.status);
        if (res.status !== 200) refused = res;
      }
      expect(refused?.status).toBe(507);
      expect(((await refused!.json()) as { error: string }).error).toMatch(/disk is full/);
      const pub = await r.connect();
      let acked = false;
      const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()));
      void pub.publishAsync('ada/f/fill', `mqtt-${'y'.repeat(900)}`, { qos: 1 }).then(
        () => (acked = true),
        () => {},
      );
      await closed;
      expect(acked).toBe(false);
      // Reads still work.
      const last = await fetch(`${r.server.httpUrl}/api/v2/ada/feeds/fill/data/last`, { headers: { 'X-AIO-Key': KEY } });
      expect(last.status).toBe(200);
      await tick(100);
      expect(errors.some((e) => e.includes('disk is full'))).toBe(true);
      // Every delivered value is stored; nothing refused was delivered.
      const stored = r.stored('fill');
      expect(delivered.every((v) => stored.includes(v))).toBe(true);
      expect(delivered).not.toContain(`mqtt-${'y'.repeat(900)}`);
      expect(delivered.length).toBe(stored.length);
      // Space returns: writes work again, without a restart.
      rmSync(filler);
      expect((await r.post('fill', 'after')).status).toBe(200);
      expect(r.stored('fill')).toContain('after');
    } finally {
      await r.close();
      disk!.unmount();
    }
  });
});
