/**
 * metrics-cost: what metrics cost on http-ingest (POST one data point per request, 50 connections).
 * Two of our servers on copies of one database, one with AIO_METRICS_TOKEN set and scraped once a
 * second (as a Prometheus would, every 15 s, only more often), one without. Target: cost ≤ 3%, i.e.
 * with/without ≥ 0.97.
 */
import { join } from 'node:path';
import { USER, type Ctx, type Row } from '../lib/common.js';
import { compareHttp, startOurs, throughputRow } from '../lib/harness.js';
import { copyDb, seedDb } from '../lib/seed.js';

const TOKEN = 'bench-metrics-token-0123456789';

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'metrics.sqlite'), 0);
  const on = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'metrics-on.sqlite')), 'metrics-on', { AIO_METRICS_TOKEN: TOKEN });
  const off = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'metrics-off.sqlite')), 'metrics-off');
  let scrapes = 0;
  let failed: string | undefined;
  // The scraper runs in the runner, which is idle while the load process works.
  const scraper = setInterval(() => {
    fetch(`http://127.0.0.1:${on.http}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })
      .then(async (res) => {
        const text = await res.text();
        if (res.status !== 200 || !text.includes('aio_data_points_written_total')) failed = `GET /metrics answered ${res.status}`;
        scrapes++;
      })
      .catch((err: unknown) => {
        failed = String(err);
      });
  }, 1000);
  try {
    const body = JSON.stringify({ value: '42.5' });
    const req = { method: 'POST' as const, path: `/api/v2/${USER}/feeds/bench/data`, body };
    const r = await compareHttp(ctx, 'metrics-cost', { port: on.http!, req }, { port: off.http!, req }, 50);
    if (failed) throw new Error(`the scraper failed: ${failed}`);
    ctx.log(`  metrics-cost: ${scrapes} scrapes of /metrics during the runs`);
    const row = throughputRow('metrics-cost: http-ingest with metrics on and scraped every second, vs off', r, 0.97);
    return [{ ...row, target: '≥ 0.97 (cost ≤ 3%)' }];
  } finally {
    clearInterval(scraper);
    await on.child.stop();
    await off.child.stop();
  }
}
