/**
 * The benchmark suite (issue 8): `npm run bench` runs every scenario, `npm run bench -- NAME [NAME…]`
 * the named ones. Prints one markdown table (scenario, ours, baseline, ratio, target, met) and writes
 * bench/results.json (this run's scenarios replace their earlier entries).
 *
 * Every scenario starts our server in its own process through `npm start`'s code path (loadConfig +
 * startServer) on a fresh temporary database with the limiter off, and the bare baseline in its own
 * process on its own port; load comes from a third process (autocannon, mqtt.js); measured runs
 * alternate between the two. Not a test: CI does not run it.
 *
 * Every ratio is the median of our rounds over the median of the baseline's (at least three rounds a
 * side, alternating), printed with the smallest and largest ratio of one round's pair beside it.
 *
 * Options: --duration=SECONDS per measured run (BENCH_DURATION, default 3), --rounds=N measured runs
 * per side (BENCH_ROUNDS, default 3), --quick (development: 1 s runs, fewer clients and points, figures
 * not comparable with a full run), --profile writes our server processes' CPU profiles to
 * bench/profiles/ (read them with `npx tsx bench/lib/cpuprofile.ts FILE`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ctx, Row } from './lib/common.js';
import { fdLimits } from './lib/procs.js';
import { seedDb, type Seeded } from './lib/seed.js';

type Scenario = { run: (ctx: Ctx) => Promise<Row[]> };
// Registration order is run order.
const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  'http-ingest': () => import('./scenarios/http-ingest.js'),
  'http-last': () => import('./scenarios/http-last.js'),
  'http-page': () => import('./scenarios/http-page.js'),
  'mqtt-ingest': () => import('./scenarios/mqtt-ingest.js'),
  'fanout-latency': () => import('./scenarios/fanout-latency.js'),
  'shared-fanout': () => import('./scenarios/shared-fanout.js'),
  chart: () => import('./scenarios/chart.js'),
  memory: () => import('./scenarios/memory.js'),
  actions: () => import('./scenarios/actions.js'),
  'many-devices': () => import('./scenarios/many-devices.js'),
  fleet: () => import('./scenarios/fleet.js'),
  start: () => import('./scenarios/start.js'),
  'control-seed': () => import('./scenarios/control-seed.js'),
  console: () => import('./scenarios/console.js'),
  'control-cost': () => import('./scenarios/control-cost.js'),
  'metrics-cost': () => import('./scenarios/metrics-cost.js'),
};

const BENCH = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(BENCH, 'results.json');

function option(name: string, env: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const raw = arg ? arg.slice(name.length + 3) : process.env[env];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

export function machine() {
  const fd = fdLimits();
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    ramGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    kernel: release(),
    fdSoft: fd.soft,
    fdHard: fd.hard,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const fmtRatio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');

export function table(rows: Row[]): string {
  const lines = ['| scenario | ours | baseline | ratio (min–max) | target | met |', '|---|---:|---:|---:|---|---|'];
  for (const r of rows) {
    const spread = r.spread ? ` (${fmtRatio(r.spread[0])}–${fmtRatio(r.spread[1])})` : '';
    lines.push(`| ${r.scenario} | ${r.ours} | ${r.baseline} | ${fmtRatio(r.ratio)}${spread} | ${r.target} | ${r.met ? 'yes' : '**no**'} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario "${n}"; one of: ${Object.keys(SCENARIOS).join(', ')}`);
  const wanted = names.length ? Object.keys(SCENARIOS).filter((n) => names.includes(n)) : Object.keys(SCENARIOS);
  const tmp = mkdtempSync(join(tmpdir(), 'aio-bench-'));
  const log = (line: string) => console.log(line);
  let big: Promise<Seeded> | undefined;
  const quick = process.argv.includes('--quick');
  const ctx: Ctx = {
    duration: option('duration', 'BENCH_DURATION', quick ? 1 : 3),
    rounds: Math.round(option('rounds', 'BENCH_ROUNDS', 3)),
    quick,
    tmp,
    profile: process.argv.includes('--profile'),
    log,
    bigDb: () =>
      (big ??= (async () => {
        const points = quick ? 100_000 : 1_000_000;
        log(`  seeding ${points.toLocaleString('en')} points…`);
        const s = seedDb(join(tmp, 'big.sqlite'), points, points * 0.9);
        log(`  seeded ${points.toLocaleString('en')} points in ${s.seconds.toFixed(1)} s`);
        return s;
      })()),
  };
  const m = machine();
  log(`aio-local benchmarks: ${wanted.join(', ')}`);
  log(
    `machine: ${m.nproc} × ${m.cpu}, ${m.ramGb} GB RAM, Node ${m.node}, Linux ${m.kernel}, fd limit ${m.fdSoft}/${m.fdHard}, ` +
      `load ${m.loadAverage.join(' ')}; ${ctx.duration} s per run, ${ctx.rounds} runs per side${quick ? ' (--quick)' : ''}\n`,
  );

  const started = Date.now();
  const rows: Row[] = [];
  const results: Record<string, { rows: Row[]; seconds: number; at: string; error?: string }> = {};
  try {
    for (const name of wanted) {
      const t0 = Date.now();
      log(`▶ ${name}`);
      try {
        const scenario = await SCENARIOS[name]!();
        const got = await scenario.run(ctx);
        rows.push(...got);
        results[name] = { rows: got, seconds: (Date.now() - t0) / 1000, at: new Date().toISOString() };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log(`  ${name} failed: ${message}`);
        const row: Row = {
          scenario: `${name} (failed: ${message.split('\n')[0]})`,
          ours: '—',
          baseline: '—',
          ratio: NaN,
          target: '',
          met: false,
        };
        rows.push(row);
        results[name] = { rows: [row], seconds: (Date.now() - t0) / 1000, at: new Date().toISOString(), error: message };
      }
      log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const seconds = (Date.now() - started) / 1000;
  log(table(rows));
  // Rows whose target is `reported` are figures beside a target (connect rates, Mosquitto), not targets.
  const judgedRows = rows.filter((r) => r.target !== 'reported');
  log(`\n${judgedRows.filter((r) => r.met).length} of ${judgedRows.length} targets met in ${Math.round(seconds)} s`);

  let previous: { scenarios?: typeof results } = {};
  if (existsSync(RESULTS)) {
    try {
      previous = JSON.parse(readFileSync(RESULTS, 'utf8'));
    } catch {
      previous = {};
    }
  }
  const all = { ...(previous.scenarios ?? {}), ...results };
  const ordered = Object.fromEntries(
    Object.keys(SCENARIOS)
      .filter((n) => all[n])
      .map((n) => [n, all[n]!]),
  );
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        machine: m,
        command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
        duration: ctx.duration,
        rounds: ctx.rounds,
        quick,
        seconds,
        scenarios: ordered,
      },
      null,
      2,
    )}\n`,
  );
  // A missed target is a figure to read, not a failure; a scenario that could not run is.
  if (Object.values(results).some((r) => r.error)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
