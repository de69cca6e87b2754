/**
 * actions (issue 15): what actions cost the data path, and how soon an output follows its point.
 *
 * - cost: POST one point per request with 50 connections (as http-ingest) to feed `bench`, watched by
 *   100 enabled reactive actions (half pass on every point and write it to feed `out`, each at most
 *   once per the 5 s cooldown; half never pass), against the same server on the same database with no
 *   action, runs alternating. Target: throughput with them ≥ 1/1.15 of without (cost ≤ 1.15×).
 * - latency: one action (cooldown 0) copies each point of `bench` to `out`; one subscriber of both
 *   feed topics times, point by point, from the point's delivery to the output's (load/actions.ts).
 *   Target: p50 ≤ 2 ms.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { Core } from '../../src/core/core.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { KEY, USER, fmtMs, median, type Ctx, type Row } from '../lib/common.js';
import { alternate, compareHttp, startOurs } from '../lib/harness.js';
import { runLoad } from '../lib/procs.js';
import { copyDb, seedDb } from '../lib/seed.js';

interface LatencyResult {
  p50: number;
  p99: number;
  postP50: number;
  postP99: number;
  missing: number;
}

/** Adds feed `out` and `n` actions on feed `bench` writing to it (operators: one passing, one not, in turn). */
function addActions(path: string, n: number, operators: readonly string[]): void {
  const db = openDb(path);
  const core = new Core(db, { ...loadConfig({}), dbPath: path, logLevel: 'silent', rateLimit: 0, retentionDays: 0 });
  try {
    const user = core.accounts.list().find((u) => u.username === USER)!;
    const bench = core.feeds.find(user, 'bench')!;
    const out = core.feeds.create(user, core.groups.defaultGroup(user), { name: 'out' });
    for (let i = 0; i < n; i++) {
      core.actions.create(user, {
        feed_id: bench.id,
        operator: operators[i % operators.length],
        value: '-1000000',
        action: 'feed',
        action_feed_id: out.id,
      });
    }
  } finally {
    core.stop();
    closeDb(db);
  }
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'actions.sqlite'), 0);
  const withActions = copyDb(seeded, join(ctx.tmp, 'actions-100.sqlite'));
  addActions(withActions.path, 100, ['gt', 'lt']);
  const latencyDb = copyDb(seeded, join(ctx.tmp, 'actions-latency.sqlite'));
  addActions(latencyDb.path, 1, ['gt']);
  const ours = await startOurs(ctx, withActions, 'actions-100');
  const none = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'actions-none.sqlite')), 'actions-none');
  const fast = await startOurs(ctx, latencyDb, 'actions-latency', { AIO_ACTION_COOLDOWN_MS: '0' });
  try {
    const body = JSON.stringify({ value: '42.5' });
    const req = { method: 'POST' as const, path: `/api/v2/${USER}/feeds/bench/data`, body };
    const cost = await compareHttp(ctx, 'actions cost', { port: ours.http!, req }, { port: none.http!, req }, 50);
    const ratio = cost.oursRps / cost.baseRps;
    const rows: Row[] = [
      {
        scenario: 'actions: POST data with 100 reactive actions on the feed, vs none (50 conn.)',
        ours: `${Math.round(cost.oursRps).toLocaleString('en')} req/s`,
        baseline: `${Math.round(cost.baseRps).toLocaleString('en')} req/s`,
        ratio,
        target: '≥ 0.87 (cost ≤ 1.15×)',
        met: ratio >= 1 / 1.15,
        spread: cost.spread,
        data: { ours: cost.ours, baseline: cost.base },
      },
    ];
    const [lat] = await alternate(ctx, [
      async () => {
        const r = await runLoad<LatencyResult>('load/actions.ts', {
          mqttPort: fast.mqtt,
          httpPort: fast.http,
          httpPath: `/api/v2/${USER}/feeds/bench/data`,
          headers: { 'x-aio-key': KEY },
          username: USER,
          password: KEY,
          pointTopic: `${USER}/f/bench`,
          outputTopic: `${USER}/f/out`,
          messages: 300,
          warmup: 20,
        });
        if (r.missing > 0) throw new Error(`actions latency: ${r.missing} outputs missing`);
        return r;
      },
    ]);
    const p50 = median(lat!.map((r) => r.p50));
    const p99 = median(lat!.map((r) => r.p99));
    ctx.log(
      `  actions latency: point → output p50 ${lat!.map((r) => r.p50.toFixed(2)).join(', ')} p99 ${lat!.map((r) => r.p99.toFixed(2)).join(', ')} ms; ` +
        `POST → output p50 ${lat!.map((r) => r.postP50.toFixed(2)).join(', ')} ms`,
    );
    rows.push({
      scenario: 'actions: data → action output published (p50; p99)',
      ours: `${fmtMs(p50)}; ${fmtMs(p99)}`,
      baseline: `POST → output p50 ${fmtMs(median(lat!.map((r) => r.postP50)))}`,
      ratio: NaN,
      target: 'p50 ≤ 2 ms',
      met: p50 <= 2,
      data: { runs: lat },
    });
    return rows;
  } finally {
    await ours.child.stop();
    await none.child.stop();
    await fast.child.stop();
  }
}
