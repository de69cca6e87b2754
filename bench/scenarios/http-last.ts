/**
 * http-last: GET data/last on a feed of 10,000 points with 50 connections, against a bare route doing
 * a prepared SELECT … ORDER BY id DESC LIMIT 1 and answering it as JSON. Target (issue 19): ours/bare ≥ 0.85.
 */
import { join } from 'node:path';
import { USER, type Ctx, type Row } from '../lib/common.js';
import { compareHttp, startBareHttp, startOurs, throughputRow } from '../lib/harness.js';
import { copyDb, seedDb } from '../lib/seed.js';

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'last.sqlite'), 10_000);
  const ours = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'last-ours.sqlite')), 'http-last');
  const base = await startBareHttp(copyDb(seeded, join(ctx.tmp, 'last-base.sqlite')));
  try {
    const r = await compareHttp(
      ctx,
      'http-last',
      { port: ours.http!, req: { path: `/api/v2/${USER}/feeds/bench/data/last` } },
      { port: base.http!, req: { path: '/last' } },
      50,
    );
    return [throughputRow('http-last (GET data/last, 50 conn.)', r, 0.85)];
  } finally {
    await ours.child.stop();
    await base.child.stop();
  }
}
