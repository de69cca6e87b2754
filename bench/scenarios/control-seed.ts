/**
 * control-seed (issue 18): what a firmware test suite pays between two test cases. One call resets
 * account `dev` (`POST /_aio/accounts/dev/reset`), a second seeds it from a fixture with one feed of
 * 10,000 points (`PUT /_aio/accounts/dev`), over the control plane's own port of our server (its own
 * process, `npm start`'s code path). Timed from the first request sent to the second answer read,
 * after a warm-up. Target: median ≤ 50 ms.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fmtMs, median, percentile, type Ctx, type Row } from '../lib/common.js';
import { startOurs } from '../lib/harness.js';
import { seedDb } from '../lib/seed.js';

const CONTROL_KEY = 'bench-control-key-0123456789';
const POINTS = 10_000;
const WARMUP = 3;
const RUNS = 20;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const port = await freePort();
  const ours = await startOurs(ctx, seedDb(join(ctx.tmp, 'control-seed.sqlite'), 0), 'control-seed', {
    AIO_CONTROL_PORT: String(port),
    AIO_CONTROL_KEY: CONTROL_KEY,
  });
  const base = `http://127.0.0.1:${port}/_aio`;
  const headers = { authorization: `Bearer ${CONTROL_KEY}`, 'content-type': 'application/json' };
  const fixture = JSON.stringify({
    key: 'dev-key-0123456789abcdef',
    feeds: [
      {
        key: 'temp',
        data: Array.from({ length: POINTS }, (_, i) => ({ value: String(20 + (i % 100) / 10), ago_ms: (POINTS - i) * 1000 })),
      },
    ],
  });
  const call = async (method: string, path: string, body: string) => {
    const res = await fetch(`${base}${path}`, { method, headers, body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`control-seed: ${method} ${path} answered ${res.status}: ${text}`);
  };
  try {
    await call('PUT', '/accounts/dev', fixture);
    const times: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const start = performance.now();
      await call('POST', '/accounts/dev/reset', '{}');
      await call('PUT', '/accounts/dev', fixture);
      if (i >= WARMUP) times.push(performance.now() - start);
    }
    const p50 = median(times);
    const p90 = percentile(times, 90);
    ctx.log(`  control-seed: reset + seed of ${POINTS} points: ${times.map((t) => t.toFixed(1)).join(', ')} ms`);
    return [
      {
        scenario: `control plane: reset + seed an account with ${POINTS.toLocaleString('en')} points (median; p90)`,
        ours: `${fmtMs(p50)}; ${fmtMs(p90)}`,
        baseline: '—',
        ratio: Number.NaN,
        target: 'median ≤ 50 ms',
        met: p50 <= 50,
        data: { times },
      },
    ];
  } finally {
    await ours.child.stop();
  }
}
