/**
 * http-ingest: POST one data point per request with 50 connections, against a bare Fastify route
 * doing one prepared INSERT of the same row into better-sqlite3 (WAL). Target: ours/bare ≥ 0.6.
 */
import { join } from 'node:path';
import { USER, fmtRate, type Ctx, type Row } from '../lib/common.js';
import { compareHttp, startBareHttp, startOurs } from '../lib/harness.js';
import { copyDb, seedDb } from '../lib/seed.js';

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'ingest.sqlite'), 0);
  const ours = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'ingest-ours.sqlite')), 'http-ingest');
  const base = await startBareHttp(copyDb(seeded, join(ctx.tmp, 'ingest-base.sqlite')));
  try {
    const body = JSON.stringify({ value: '42.5' });
    const r = await compareHttp(
      ctx,
      'http-ingest',
      { port: ours.http!, req: { method: 'POST', path: `/api/v2/${USER}/feeds/bench/data`, body } },
      { port: base.http!, req: { method: 'POST', path: '/ingest', body } },
      50,
    );
    const ratio = r.oursRps / r.baseRps;
    return [
      {
        scenario: 'http-ingest (POST data, 50 conn.)',
        ours: fmtRate(r.oursRps),
        baseline: fmtRate(r.baseRps),
        ratio,
        target: '≥ 0.6',
        met: ratio >= 0.6,
        data: { ours: r.ours, baseline: r.base },
      },
    ];
  } finally {
    await ours.child.stop();
    await base.child.stop();
  }
}
