/**
 * Chart benchmark (issue 5). Run: `npx tsx bench/chart.ts` (not part of `npm test`; about a minute).
 *
 * 1. Builds a 1,000,000-point feed and a 10,000-point feed, both spread evenly over the 30 days
 *    before "now", through the core (batches of 10,000 points, one transaction each, rollups kept
 *    as usual), on a SQLite file with the server's pragmas.
 * 2. Times 30-day charts on each, interleaved, and prints the medians and their ratio; the first
 *    line (`?hours=720`, automatic resolution) is the issue's figure (target: big ≤ 2 × small).
 * 3. Times single-point writes (one `Data.create` call and transaction per point, as an HTTP POST or
 *    MQTT publish does) with and without the chart rollups, in alternating rounds on two fresh feeds
 *    of the same database, and prints the median ratio of the pairs (target: ≤ 1.15). "Without"
 *    turns this core's rollup insert hook into a no-op; nothing else changes. Two cases: a point a
 *    second, and a point a minute (every point in a new slot, the dearest case for the rollups).
 *
 * Environment: BENCH_BIG (points, default 1000000), BENCH_ITER (chart runs, default 300),
 * BENCH_ONLY=writes (skip the charts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { parseChartQuery, type ChartQuery } from '../src/core/chart/query.js';
import { ChartRollups } from '../src/core/chart/rollups.js';
import { Core } from '../src/core/core.js';
import type { DatumInput } from '../src/core/data.js';
import type { FeedRow } from '../src/core/types.js';
import { closeDb, openDb } from '../src/db/open.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-02-01T00:00:00Z');
const BIG = Number(process.env.BENCH_BIG ?? 1_000_000);
const SMALL = 10_000;
const ITER = Number(process.env.BENCH_ITER ?? 300);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (ns: bigint) => Number(ns) / 1e6;
const fmt = (x: number, digits = 3) => x.toFixed(digits);

const tmp = mkdtempSync(join(tmpdir(), 'aio-bench-chart-'));
// No rate limit (0 = unlimited) and no expiry: the bench writes far faster than any account may.
const config = { ...loadConfig({}), dbPath: join(tmp, 'bench.sqlite'), logLevel: 'silent', retentionDays: 0, rateLimit: 0 };
const db = openDb(config.dbPath);
let clock = NOW;
const core = new Core(db, config, () => clock);

try {
  const { user } = core.accounts.add('bench', 'bench-key-0123456789');
  const group = core.groups.defaultGroup(user);
  const feed = (name: string) => core.feeds.create(user, group, { name });

  /** `count` points evenly over the 30 days before NOW, oldest first, in batches of 10,000. */
  const fill = (f: FeedRow, count: number) => {
    const step = (30 * DAY) / count;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; ) {
      const n = Math.min(10_000, count - i);
      const batch: DatumInput[] = new Array(n);
      for (let j = 0; j < n; j++, i++) {
        batch[j] = { value: (20 + 5 * Math.sin(i / 1000) + (i % 7) / 10).toFixed(2), createdAt: Math.floor(NOW - 30 * DAY + i * step) };
      }
      core.data.create(user, f, batch);
    }
    return ms(process.hrtime.bigint() - t0);
  };

  const big = feed('big');
  const small = feed('small');
  const writesOnly = process.env.BENCH_ONLY === 'writes';
  console.log(`building feeds in ${config.dbPath}`);
  console.log(`  big:   ${BIG.toLocaleString('en')} points over 30 days in ${fmt(fill(big, BIG) / 1000, 1)} s`);
  console.log(`  small: ${SMALL.toLocaleString('en')} points over 30 days in ${fmt(fill(small, SMALL) / 1000, 1)} s`);
  db.$client.pragma('wal_checkpoint(TRUNCATE)');

  // --- charts ------------------------------------------------------------------------------
  const timeCharts = (label: string, q: ChartQuery) => {
    const run = (f: FeedRow) => {
      const t0 = process.hrtime.bigint();
      const res = core.chart.chart(f, q);
      JSON.stringify(res);
      return { t: ms(process.hrtime.bigint() - t0), rows: res.data.length };
    };
    for (let i = 0; i < 20; i++) {
      run(big);
      run(small);
    }
    const tb: number[] = [];
    const ts: number[] = [];
    let rowsBig = 0;
    let rowsSmall = 0;
    for (let i = 0; i < ITER; i++) {
      // Alternate the order so that neither feed always runs on a warmer cache.
      const [first, second] = i % 2 ? [big, small] : [small, big];
      const a = run(first);
      const b = run(second);
      const [rb, rs] = first === big ? [a, b] : [b, a];
      tb.push(rb.t);
      ts.push(rs.t);
      rowsBig = rb.rows;
      rowsSmall = rs.rows;
    }
    const mb = median(tb);
    const msm = median(ts);
    console.log(
      `  ${label.padEnd(34)} res ${String(q.resolution).padStart(3)}  big ${fmt(mb)} ms (${rowsBig} rows)  small ${fmt(msm)} ms (${rowsSmall} rows)  ratio ${fmt(mb / msm, 2)}`,
    );
    return mb / msm;
  };

  let ratio = NaN;
  if (!writesOnly) {
    console.log(`\n30-day charts, median of ${ITER} runs each (chart + JSON.stringify):`);
    const month = parseChartQuery({ hours: '720' }, NOW);
    ratio = timeCharts('hours=720 field=avg (auto)', month);
    timeCharts('hours=720 field=val (auto)', parseChartQuery({ hours: '720', field: 'val' }, NOW));
    timeCharts('hours=720 field=max resolution=60', parseChartQuery({ hours: '720', field: 'max', resolution: '60' }, NOW));
    timeCharts('hours=720 field=avg resolution=30', parseChartQuery({ hours: '720', resolution: '30' }, NOW));
    timeCharts('hours=720 field=avg resolution=1', parseChartQuery({ hours: '720', resolution: '1' }, NOW));
    timeCharts('hours=24 field=avg (auto)', parseChartQuery({ hours: '24' }, NOW));
    timeCharts(
      'unaligned 30 days (auto)',
      parseChartQuery({ start_time: String((NOW - 30 * DAY + 12_345) / 1000), end_time: String((NOW - 4321) / 1000) }, NOW),
    );
  }

  // --- writes ------------------------------------------------------------------------------
  const realAdded = ChartRollups.prototype.added;
  const realFold = ChartRollups.prototype.fold;
  let foldNs = 0n;
  const setRollups = (on: boolean) => {
    core.data.chart.added = on ? realAdded : () => {};
  };
  // Folding is the only work the rollups add to a write path (see core/chart/rollups.ts); timed on the side.
  core.data.chart.fold = function (feedId: number) {
    const t0 = process.hrtime.bigint();
    realFold.call(this, feedId);
    foldNs += process.hrtime.bigint() - t0;
  };
  /**
   * Rounds of N writes alternate between the two modes (order flipped every pair); the ratio is the
   * median of the pairs' ratios, which shrugs off other processes stealing the CPU for a while.
   */
  const timeWrites = (label: string, on: FeedRow, off: FeedRow, next: (i: number) => DatumInput, PAIRS = 120, N = 250) => {
    const round = (f: FeedRow, rollups: boolean) => {
      setRollups(rollups);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) core.data.create(user, f, [next(i)]);
      const t = ms(process.hrtime.bigint() - t0) / N;
      setRollups(true);
      return t;
    };
    for (let i = 0; i < 4; i++) {
      round(on, true);
      round(off, false);
    }
    foldNs = 0n;
    const withR: number[] = [];
    const without: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < PAIRS; r++) {
      let a: number;
      let b: number;
      if (r % 2) {
        a = round(on, true);
        b = round(off, false);
      } else {
        b = round(off, false);
        a = round(on, true);
      }
      withR.push(a);
      without.push(b);
      ratios.push(a / b);
    }
    const ratio = median(ratios);
    const foldUs = Number(foldNs) / 1e3 / (PAIRS * N);
    console.log(
      `  ${label.padEnd(34)} with ${fmt(median(withR) * 1000, 1)} µs  without ${fmt(median(without) * 1000, 1)} µs  ratio ${fmt(ratio, 3)}  (folding: ${fmt(foldUs, 2)} µs a point)`,
    );
    return ratio;
  };

  console.log(`\nsingle-point writes (one transaction each), 120 pairs of rounds of 250, median pair ratio:`);
  const value = (i: number) => String(20 + (i % 100) / 10);
  const [secOn, secOff] = [feed('writes-on-1s'), feed('writes-off-1s')];
  const from = clock;
  const w1 = timeWrites('a point every second', secOn, secOff, (i) => ({ value: value(i), createdAt: (clock += 1000) }));
  const to = clock;
  const w60 = timeWrites('a point every minute (new slot)', feed('writes-on-1m'), feed('writes-off-1m'), (i) => ({
    value: value(i),
    createdAt: (clock += 60_000),
  }));
  // Not part of the target: a point dated among already folded ones is counted in at once.
  console.log('for information:');
  timeWrites(
    'a late point (created_at in the past)',
    secOn,
    secOff,
    (i) => ({ value: value(i), createdAt: from + ((i * 2_654_435_761) % (to - from)) }),
    40,
    100,
  );

  // Sanity: the charts count every point of the two big feeds.
  const counted = (f: FeedRow) =>
    core.chart
      .chart(f, parseChartQuery({ hours: '721', field: 'val_count', resolution: '960' }, NOW))
      .data.reduce((n, [, v]) => n + Number(v), 0);
  if (counted(big) !== BIG || counted(small) !== SMALL) throw new Error(`chart counts ${counted(big)} and ${counted(small)} points`);
  console.log(
    `\nsummary: 30-day chart big/small = ${fmt(ratio, 2)} (target ≤ 2); write with/without = ${fmt(w1, 3)} and ${fmt(w60, 3)} (target ≤ 1.15)`,
  );
} finally {
  core.stop();
  closeDb(db);
  rmSync(tmp, { recursive: true, force: true });
}
