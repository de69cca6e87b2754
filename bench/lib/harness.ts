/** Starting the servers under test and alternating measured runs between ours and the baseline. */
import { KEY, USER, fmtRate, mean, type Ctx, type Row } from './common.js';
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
  opts: { connections: number; duration: number; warmup?: number },
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
 * (a warm-up run on each side first).
 */
export async function compareHttp(
  ctx: Ctx,
  label: string,
  ours: { port: number; req: HttpRequestSpec },
  base: { port: number; req: HttpRequestSpec },
  connections: number,
): Promise<{ ours: HttpResult[]; base: HttpResult[]; oursRps: number; baseRps: number }> {
  // Steady state: our server's JIT and heap take a few seconds to settle (a 1 s warm-up left the first
  // measured case up to 30% slower than the same case measured later), so both sides get 3 s.
  const warm = { connections, duration: 3 };
  await httpLoad(ours.port, ours.req, warm);
  await httpLoad(base.port, base.req, warm);
  const [o, b] = await alternate(ctx, [
    () => httpLoad(ours.port, ours.req, { connections, duration: ctx.duration }),
    () => httpLoad(base.port, base.req, { connections, duration: ctx.duration }),
  ]);
  const oursRps = mean(o!.map((r) => r.rps));
  const baseRps = mean(b!.map((r) => r.rps));
  ctx.log(
    `  ${label}: ours ${o!.map((r) => Math.round(r.rps)).join(', ')} req/s; baseline ${b!.map((r) => Math.round(r.rps)).join(', ')} req/s`,
  );
  return { ours: o!, base: b!, oursRps, baseRps };
}

/** The table row of a throughput comparison: ratio ours ÷ baseline against a minimum. */
export function throughputRow(
  scenario: string,
  r: { ours: HttpResult[]; base: HttpResult[]; oursRps: number; baseRps: number },
  min: number,
): Row {
  const ratio = r.oursRps / r.baseRps;
  return {
    scenario,
    ours: fmtRate(r.oursRps),
    baseline: fmtRate(r.baseRps),
    ratio,
    target: `≥ ${min}`,
    met: ratio >= min,
    data: { ours: r.ours, baseline: r.base },
  };
}
