/**
 * http-page: GET data?limit=1000 on a feed of 1,000,000 points, the first page and the page 900,000
 * points deep (by its `before` cursor, as a client paging back would send it), 10 connections, against
 * a bare route reading the same 1000 rows by the (feed_id, id) index and answering them as JSON.
 * Targets (issue 19): ours/bare ≥ 0.95 for each page, and our deep page at most 1.2× as slow as our first.
 */
import { join } from 'node:path';
import { USER, fmtRate, type Ctx, type Row } from '../lib/common.js';
import { compareHttp, startBareHttp, startOurs, throughputRow } from '../lib/harness.js';
import { copyDb } from '../lib/seed.js';

export async function run(ctx: Ctx): Promise<Row[]> {
  const big = await ctx.bigDb();
  const deep = big.deep!;
  const ours = await startOurs(ctx, copyDb(big, join(ctx.tmp, 'page-ours.sqlite')), 'http-page');
  const base = await startBareHttp(copyDb(big, join(ctx.tmp, 'page-base.sqlite')));
  try {
    const path = `/api/v2/${USER}/feeds/bench/data?limit=1000`;
    const first = await compareHttp(
      ctx,
      'http-page first',
      { port: ours.http!, req: { path } },
      { port: base.http!, req: { path: '/page' } },
      10,
    );
    const deepR = await compareHttp(
      ctx,
      'http-page deep',
      { port: ours.http!, req: { path: `${path}&before=${encodeURIComponent(deep.token)}` } },
      { port: base.http!, req: { path: `/page?before=${deep.beforeId}` } },
      10,
    );
    // Time per request, deep over first: the inverse of the rates' ratio.
    const r3 = first.oursRps / deepR.oursRps;
    return [
      throughputRow('http-page first (1,000 of 1,000,000, 10 conn.)', first, 0.95),
      throughputRow('http-page deep (900,000 points in, by cursor)', deepR, 0.95),
      {
        scenario: 'http-page deep/first time (ours: deep vs first)',
        ours: fmtRate(deepR.oursRps),
        baseline: fmtRate(first.oursRps),
        ratio: r3,
        target: '≤ 1.2',
        met: r3 <= 1.2,
      },
    ];
  } finally {
    await ours.child.stop();
    await base.child.stop();
  }
}
