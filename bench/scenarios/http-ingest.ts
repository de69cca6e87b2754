/**
 * http-ingest: POST one data point per request with 50 connections, against a bare Fastify route
 * doing one prepared INSERT of the same row into better-sqlite3 (WAL). Target: ours/bare ≥ 0.6.
 */
import { join } from 'node:path';
import { USER, type Ctx, type Row } from '../lib/common.js';
import { compareHttp, startBareHttp, startOurs, throughputRow } from '../lib/harness.js';
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
    return [throughputRow('http-ingest (POST data, 50 conn.)', r, 0.6)];
  } finally {
    await ours.child.stop();
    await base.child.stop();
  }
}
