/** Starting the servers under test and alternating measured runs between ours and the baseline. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { KEY, USER, fmtRate, judged, sleep, type Ctx, type Row } from './common.js';
import { runLoad, startServer, type Child } from './procs.js';
import type { Seeded } from './seed.js';

export interface Started {
  child: Child;
  http?: number;
  mqtt?: number;
}

let serial = 0;

/** Our server (`npm start`'s code path) on `db`, limiter and MQTT bans off, ports picked by the OS; `env` adds settings. */
export function startOurs(ctx: Ctx, db: Seeded | string, tag: string, env: Record<string, string> = {}): Promise<Started> {
  const path = typeof db === 'string' ? db : db.path;
  return startServer('lib/ours-server.ts', {
    name: `ours (${tag})`,
    profile: ctx.profile ? `ours-${tag}-${++serial}` : undefined,
    env: {
      AIO_DB: path,
      HOST: '127.0.0.1',
      PORT: '0',
      MQTT_PORT: '0',
      AIO_USERNAME: USER,
      AIO_KEY: KEY,
      AIO_USERS: '',
      AIO_RATE_LIMIT: '0',
      AIO_MQTT_BANS: '0',
      // The memory scenario opens 250 connections at once from one address.
      AIO_MQTT_MAX_PENDING_PER_ADDRESS: '0',
      AIO_RETENTION_DAYS: '30',
      ...env,
    },
  });
}

export function startBareHttp(db: Seeded): Promise<Started> {
  return startServer('baselines/http.ts', {
    name: 'bare http',
    env: { BENCH_DB: db.path, BENCH_FEED_ID: String(db.feedId), BENCH_USER_ID: String(db.userId) },
  });
}

export function startBareAedes(): Promise<Started> {
  return startServer('baselines/aedes.ts', { name: 'bare aedes' });
}

/**
 * Measured runs alternate between the sides (A B, then B A, ...) so that machine noise hits both;
 * returns each side's results in order.
 */
export async function alternate<T>(ctx: Ctx, sides: Array<() => Promise<T>>, rounds = ctx.rounds): Promise<T[][]> {
  const out: T[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = sides.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) out[i]!.push(await sides[i]!());
  }
  return out;
}

export interface HttpResult {
  rps: number;
  total: number;
  p50: number;
  p99: number;
  meanLatency: number;
  non2xx: number;
  errors: number;
}

export interface HttpRequestSpec {
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
}

/** One autocannon run from a separate process; a non-2xx answer or a socket error fails the scenario. */
export async function httpLoad(
  port: number,
  req: HttpRequestSpec,
  opts: { connections: number; duration: number; warmup?: number; paths?: string[]; overallRate?: number },
): Promise<HttpResult> {
  const headers: Record<string, string> = { 'x-aio-key': KEY };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const r = await runLoad<HttpResult>('load/http.ts', {
    url: `http://127.0.0.1:${port}${req.path}`,
    method: req.method ?? 'GET',
    headers,
    body: req.body,
    ...opts,
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${req.method ?? 'GET'} ${req.path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return r;
}

/**
 * Requests per second of ours and the baseline for one request each, alternating runs
 * (a warm-up run on each side first); each side's figure is the median of its rounds.
 */
export async function compareHttp(
  ctx: Ctx,
  label: string,
  ours: { port: number; req: HttpRequestSpec },
  base: { port: number; req: HttpRequestSpec },
  connections: number,
): Promise<HttpComparison> {
  // Steady state: our server's JIT and heap take a few seconds to settle (a 1 s warm-up left the first
  // measured case up to 30% slower than the same case measured later), so both sides get 3 s.
  const warm = { connections, duration: 3 };
  await httpLoad(ours.port, ours.req, warm);
  await httpLoad(base.port, base.req, warm);
  const [o, b] = await alternate(ctx, [
    () => httpLoad(ours.port, ours.req, { connections, duration: ctx.duration }),
    () => httpLoad(base.port, base.req, { connections, duration: ctx.duration }),
  ]);
  const j = judged(
    o!.map((r) => r.rps),
    b!.map((r) => r.rps),
  );
  ctx.log(
    `  ${label}: ours ${o!.map((r) => Math.round(r.rps)).join(', ')} req/s; baseline ${b!.map((r) => Math.round(r.rps)).join(', ')} req/s`,
  );
  return { ours: o!, base: b!, oursRps: j.ours, baseRps: j.base, spread: j.spread };
}

/** Both sides' rounds; the rates are each side's median. */
export interface HttpComparison {
  ours: HttpResult[];
  base: HttpResult[];
  oursRps: number;
  baseRps: number;
  spread: [number, number];
}

/** The table row of a throughput comparison: ratio ours ÷ baseline against a minimum. */
export function throughputRow(scenario: string, r: HttpComparison, min: number): Row {
  const ratio = r.oursRps / r.baseRps;
  return {
    scenario,
    ours: fmtRate(r.oursRps),
    baseline: fmtRate(r.baseRps),
    ratio,
    target: `≥ ${min}`,
    met: ratio >= min,
    spread: r.spread,
    data: { ours: r.ours, baseline: r.base },
  };
}

/** A broker under test as the many-devices and fleet scenarios see it: a process with a port. */
export interface Broker {
  name: string;
  mqtt: number;
  pid: number;
  rssMb(): number;
  stop(): Promise<void>;
}

export function asBroker(name: string, s: Started): Broker {
  return { name, mqtt: s.mqtt!, pid: s.child.pid, rssMb: () => s.child.rssMb(), stop: () => s.child.stop() };
}

export const MOSQUITTO = '/usr/sbin/mosquitto';

/** A port nobody listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Mosquitto (the Debian package) on a free port with a generated configuration: anonymous clients,
 * no connection cap, no persistence, no log. Undefined when it is not installed.
 */
export async function startMosquitto(ctx: Ctx, tag: string): Promise<Broker | undefined> {
  if (!existsSync(MOSQUITTO)) return undefined;
  const port = await freePort();
  const conf = join(ctx.tmp, `mosquitto-${tag}.conf`);
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_connections -1', 'persistence false', 'log_dest none', ''].join('\n'),
  );
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not listen on ${port}`);
    }
    await sleep(50);
  }
  const pid = proc.pid!;
  return {
    name: 'mosquitto',
    mqtt: port,
    pid,
    rssMb: () => Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024,
    stop: async () => {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
