/**
 * How long the largest allowed batch holds the event loop. Run: `npx tsx bench/batch-stall.ts` (not
 * part of `npm test`).
 *
 * Starts the server as `npm start` does (limiter off), then posts the largest batch a client may send:
 * `http.batchMaxItems` records whose values fill the batch body limit (JSON-escaped text, so the
 * parser does its most work per byte). A 1 ms timer in the same process records the longest gap
 * between its ticks while the request is read, parsed, stored and answered; that gap is how long
 * every other client (HTTP and MQTT) waited. On a busy machine that gap also holds time the process
 * was not scheduled, so the CPU time used within it is printed too (what the gap is on an idle core).
 * Prints the median and worst of ROUNDS posts. The body is built and sent as ready bytes, so the
 * client's own share of the gap is a socket write.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { bodyLimits } from '../src/http/limits.js';
import { startServer } from '../src/server.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);

function post(url: URL, key: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-aio-key': key } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The largest body the batch route takes: cap records whose values fill what the limit leaves, up to
 * the 1 KB history limit. `quotes` values (`"x"x...`) are 1 KB stored in 1.5 KB of JSON; `controls`
 * values (U+0001, six bytes escaped) make the body as long as the limit allows.
 */
function largestBatch(cap: number, limit: number, kind: 'quotes' | 'controls'): Buffer {
  const record = (value: string) => `{"value":${JSON.stringify(value)},"lat":"52.1","lon":"4.3","ele":"1.0","created_at":null}`;
  const overhead = Buffer.byteLength(record('')) + 1;
  const room = Math.floor(limit / cap) - overhead;
  const value =
    kind === 'quotes'
      ? '"x'.repeat(512).slice(0, Math.min(1024, Math.floor(room / 1.5)))
      : '\u0001'.repeat(Math.min(1024, Math.floor(room / 6)));
  const body = Buffer.from(`[${Array.from({ length: cap }, () => record(value)).join(',')}]`);
  if (body.length > limit) throw new Error(`built ${body.length} bytes, over the limit ${limit}`);
  return body;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-stall-'));
  const base = loadConfig({});
  // BENCH_ITEMS tries another cap (the body limit follows it).
  const http = { ...base.http, batchMaxItems: Number(process.env.BENCH_ITEMS ?? base.http.batchMaxItems) };
  const config = {
    ...base,
    http,
    dbPath: join(dir, 'aio.sqlite'),
    port: 0,
    host: '127.0.0.1',
    mqttPort: 0,
    rateLimit: 0,
    logLevel: 'silent',
    username: 'bench',
    key: 'bench-key',
  };
  const server = await startServer(config, { log: () => {}, mqttTimers: null });
  try {
    const limit = bodyLimits(config).batch;
    const url = new URL(`${server.httpUrl}/api/v2/bench/feeds/stall/data/batch`);
    for (const kind of ['quotes', 'controls'] as const) {
      const body = largestBatch(config.http.batchMaxItems, limit, kind);
      console.log(`${kind}: ${config.http.batchMaxItems} records, ${body.length} bytes (limit ${limit})`);
      await measure(url, body);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(url: URL, body: Buffer): Promise<void> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  for (let round = 0; round <= ROUNDS; round++) {
    let lastWall = performance.now();
    let lastCpu = cpuMs();
    let worstWall = 0;
    let worstCpu = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const c = cpuMs();
      worstWall = Math.max(worstWall, now - lastWall);
      worstCpu = Math.max(worstCpu, c - lastCpu);
      lastWall = now;
      lastCpu = c;
    }, 1);
    const status = await post(url, 'bench-key', body);
    clearInterval(timer);
    if (status !== 200) throw new Error(`batch answered ${status}`);
    if (round > 0) {
      // round 0 warms up
      wall.push(worstWall);
      cpu.push(worstCpu);
    }
  }
  const show = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return `median ${xs[xs.length >> 1]!.toFixed(1)} ms, worst ${xs[xs.length - 1]!.toFixed(1)} ms`;
  };
  console.log(`  longest event-loop gap: ${show(wall)}; CPU time spent in it: ${show(cpu)} (${ROUNDS} rounds)`);
}

void main();
