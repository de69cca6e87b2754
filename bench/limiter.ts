/**
 * Limiter cost benchmark (issue 4). Run: `npx tsx bench/limiter.ts` (not part of `npm test`).
 *
 * Times single-point writes through the core (`Data.create`, one transaction per point, as an HTTP
 * POST or MQTT publish does) with AIO_RATE_LIMIT=0, against the same writes with the limiter's
 * `take` and `check` replaced by no-ops, in alternating rounds on two feeds of one database, and
 * prints the median ratio (target: limits off cost < 5%). A second line does the same with a limit
 * so high it never refuses (the bucket arithmetic on every write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { Core } from '../src/core/core.js';
import { Limiter } from '../src/core/limiter.js';
import { closeDb, openDb } from '../src/db/open.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 2000);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function run(label: string, rateLimit: number): void {
  const dir = mkdtempSync(join(tmpdir(), 'aio-bench-limiter-'));
  const config = { ...loadConfig({}), dbPath: join(dir, 'aio.sqlite'), rateLimit, retentionDays: 0 };
  const db = openDb(config.dbPath);
  try {
    const core = new Core(db, config);
    const { user } = core.accounts.add('bench', 'bench-key');
    const withLimiter = core.data.createOrAutoCreate(user, 'with', [{ value: '0' }]).feed;
    const without = core.data.createOrAutoCreate(user, 'without', [{ value: '0' }]).feed;
    const limiter = core.ctx.limiter;
    const real = { take: Limiter.prototype.take, check: Limiter.prototype.check };
    const time = (feed: typeof withLimiter, off: boolean) => {
      if (off) {
        limiter.take = () => {};
        limiter.check = () => {};
      }
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) core.data.create(user, feed, [{ value: String(i) }]);
      const ns = Number(process.hrtime.bigint() - t0) / PER_ROUND;
      limiter.take = real.take;
      limiter.check = real.check;
      return ns;
    };
    time(withLimiter, false); // warm up
    time(without, true);
    const ratios: number[] = [];
    const on: number[] = [];
    const off: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first so drift hits both.
      const a = r % 2 ? time(withLimiter, false) : NaN;
      const b = time(without, true);
      const c = r % 2 ? a : time(withLimiter, false);
      on.push(c);
      off.push(b);
      ratios.push(c / b);
    }
    const ratio = median(ratios);
    console.log(
      `${label}: ${(median(on) / 1000).toFixed(1)} µs per point with the limiter, ${(median(off) / 1000).toFixed(1)} µs without; ` +
        `ratio ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}% cost; target < 5%)`,
    );
  } finally {
    closeDb(db);
    rmSync(dir, { recursive: true, force: true });
  }
}

run('AIO_RATE_LIMIT=0 (limits off)', 0);
run('AIO_RATE_LIMIT=1000000 (on, never refusing)', 1_000_000);
