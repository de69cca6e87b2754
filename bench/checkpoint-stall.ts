/**
 * What WAL checkpoints cost the writers, with SQLite's own (inside the commit that fills 1,000 pages)
 * against src/db/checkpointer.ts's worker thread. Run: `npx tsx bench/checkpoint-stall.ts` (not part
 * of `npm test` or `npm run bench`).
 *
 * One process, one database (100,000 points and 10,000 device feeds, as fleet's), the fleet's write
 * pattern through the core's group commit: 1,000 points/s, each on the next of the 10,000 feeds, one
 * due every millisecond. Each write's time from submit to its commit (what a PUBACK waits for) is
 * recorded; rounds of ROUND_S seconds alternate between the two ways (A B A B…), so that the machine's
 * noise hits both. Prints per round p50/p99/max and the commits over 20 ms, then the medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { Core } from '../src/core/core.js';
import { Checkpointer } from '../src/db/checkpointer.js';
import { closeDb, openDb } from '../src/db/open.js';
import { median, percentile, USER } from './lib/common.js';
import { seedDb, seedFeeds } from './lib/seed.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_S = Number(process.env.BENCH_DURATION ?? 10);
const FEEDS = 10_000;

const tmp = mkdtempSync(join(tmpdir(), 'aio-ckpt-'));
try {
  const path = join(tmp, 'ckpt.sqlite');
  seedDb(path, 100_000);
  seedFeeds(path, 'f', FEEDS);
  const db = openDb(path, { busyTimeoutMs: 0 });
  const sqlite = db.$client;
  const commits: number[] = [];
  const config = { ...loadConfig({}), dbPath: path, logLevel: 'silent', rateLimit: 0, retentionDays: 0 };
  const core = new Core(db, config);
  const user = core.accounts.find(USER)!;
  const feeds = Array.from({ length: FEEDS }, (_, i) => core.data.findFeed(user, `f${i}`)!);

  const round = async (mode: 'sqlite' | 'worker') => {
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    let checkpoints: Checkpointer | undefined;
    if (mode === 'worker') {
      checkpoints = new Checkpointer(sqlite, { intervalMs: 1000 });
      checkpoints.start();
    } else {
      sqlite.pragma('wal_autocheckpoint = 1000');
    }
    const latency: number[] = [];
    let next = 0;
    const t0 = performance.now();
    const end = t0 + ROUND_S * 1000;
    let due = t0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        while (due <= now && due < end) {
          const feed = feeds[next++ % FEEDS]!;
          const at = performance.now();
          void core.data
            .soon(() => core.data.create(user, feed, [{ value: String(at) }], 1))
            .then(() => latency.push(performance.now() - at));
          due += 1;
        }
        if (due >= end) return resolve();
        setTimeout(tick, 1);
      };
      tick();
    });
    while (latency.length < Math.floor(ROUND_S * 1000)) await new Promise((r) => setTimeout(r, 10));
    await checkpoints?.stop();
    const slow = commits.splice(0).filter((ms) => ms > 20).length;
    return { p50: percentile(latency, 50), p99: percentile(latency, 99), max: Math.max(...latency), slow };
  };

  // Commit times, from the write queue's own hook (as metrics read them).
  const writes = (core as unknown as { ctx: { writes: { opts: { onCommit?: (n: number, ms: number) => void } } } }).ctx.writes;
  writes.opts.onCommit = (_n, ms) => commits.push(ms);

  const results: Record<'sqlite' | 'worker', Array<Awaited<ReturnType<typeof round>>>> = { sqlite: [], worker: [] };
  await round('sqlite'); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of r % 2 === 0 ? (['sqlite', 'worker'] as const) : (['worker', 'sqlite'] as const)) {
      const x = await round(mode);
      results[mode].push(x);
      console.log(
        `${mode.padEnd(6)} write → commit p50 ${x.p50.toFixed(2)} ms, p99 ${x.p99.toFixed(1)} ms, max ${x.max.toFixed(1)} ms; commits over 20 ms: ${x.slow}`,
      );
    }
  }
  for (const mode of ['sqlite', 'worker'] as const) {
    const rs = results[mode];
    console.log(
      `${mode} checkpoints, medians of ${rs.length} rounds: p50 ${median(rs.map((x) => x.p50)).toFixed(2)} ms, p99 ${median(rs.map((x) => x.p99)).toFixed(1)} ms (${Math.min(...rs.map((x) => x.p99)).toFixed(1)}–${Math.max(...rs.map((x) => x.p99)).toFixed(1)}), max ${median(rs.map((x) => x.max)).toFixed(1)} ms, commits over 20 ms ${median(rs.map((x) => x.slow))}`,
    );
  }
  core.stop();
  closeDb(db);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
