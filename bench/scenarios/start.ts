/**
 * start: the time from spawning `node dist/main.js` (the compiled build, `npm run build` first) until
 * it accepts HTTP (/health answers 200) and MQTT (a CONNECT gets its CONNACK), on the 1,000,000-point
 * database, probed from this process every 2 ms; then the same after an unclean kill (the server is
 * SIGKILLed while 8 connections post data, so the WAL holds unmerged pages when it starts again).
 * Baseline: a bare node process (bench/baselines/start.mjs) opening the same file (after the kill, a
 * copy of it with its WAL) and listening with bare Aedes and node:http. Rounds alternate.
 * Target: ours ≤ 0.5 s each. With --profile, our starts write CPU profiles to bench/profiles/start-*.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEY, USER, fmtMs, judged, sleep, type Ctx, type Row } from '../lib/common.js';
import { alternate, freePort } from '../lib/harness.js';
import { PROFILE_DIR } from '../lib/procs.js';
import { RawMqtt } from '../lib/raw-mqtt.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET_MS = 500;

interface Proc {
  proc: ChildProcess;
  http: number;
  mqtt: number;
  exited: Promise<void>;
}

interface StartResult {
  httpMs: number;
  mqttMs: number;
  readyMs: number;
}

let serial = 0;

async function spawnServer(kind: 'ours' | 'bare', db: string, profile: boolean): Promise<{ p: Proc; t0: number }> {
  const [http, mqtt] = [await freePort(), await freePort()];
  const args =
    kind === 'ours'
      ? [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, `start-${++serial}`)}`] : []), 'dist/main.js']
      : ['bench/baselines/start.mjs'];
  if (profile && kind === 'ours') mkdirSync(join(PROFILE_DIR, `start-${serial}`), { recursive: true });
  const env = {
    ...process.env,
    AIO_DB: db,
    HOST: '127.0.0.1',
    PORT: String(http),
    MQTT_PORT: String(mqtt),
    AIO_USERNAME: USER,
    AIO_KEY: KEY,
    AIO_USERS: '',
    AIO_RATE_LIMIT: '0',
    AIO_MQTT_BANS: '0',
    LOG_LEVEL: 'warn',
    BENCH_DB: db,
    BENCH_HTTP_PORT: String(http),
    BENCH_MQTT_PORT: String(mqtt),
  };
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  return { p: { proc, http, mqtt, exited }, t0 };
}

async function stopServer(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  p.proc.kill(signal);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

const agent = new Agent({ keepAlive: false });
const healthOk = (port: number) =>
  new Promise<boolean>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });

const connackOk = async (port: number) => {
  try {
    const c = await RawMqtt.connect({ port, clientId: `bench-start-${process.pid}`, username: USER, password: KEY, timeoutMs: 10_000 });
    await c.close();
    return true;
  } catch {
    return false;
  }
};

/** Probes until both doors answer; times from t0 (just before the spawn). */
async function untilReady(p: Proc, t0: number): Promise<StartResult> {
  const deadline = t0 + 60_000;
  const poll = async (ok: () => Promise<boolean>) => {
    for (;;) {
      if (await ok()) return performance.now() - t0;
      if (p.proc.exitCode !== null) throw new Error(`the server exited with ${p.proc.exitCode} before it answered`);
      if (performance.now() > deadline) throw new Error('the server did not answer within 60 s');
      await sleep(2);
    }
  };
  const [httpMs, mqttMs] = await Promise.all([poll(() => healthOk(p.http)), poll(() => connackOk(p.mqtt))]);
  return { httpMs, mqttMs, readyMs: Math.max(httpMs, mqttMs) };
}

async function timedStart(kind: 'ours' | 'bare', db: string, profile: boolean): Promise<StartResult> {
  const { p, t0 } = await spawnServer(kind, db, profile && kind === 'ours');
  try {
    return await untilReady(p, t0);
  } finally {
    await stopServer(p);
  }
}

/** Starts ours on `db`, posts data on 8 connections and SIGKILLs it mid-write; returns the WAL's size. */
async function killWhileWriting(db: string): Promise<number> {
  const { p, t0 } = await spawnServer('ours', db, false);
  await untilReady(p, t0);
  const posting = new Agent({ keepAlive: true, maxSockets: 8 });
  let stop = false;
  const post = () =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({ value: '42.5' });
      const req = request(
        {
          host: '127.0.0.1',
          port: p.http,
          path: `/api/v2/${USER}/feeds/bench/data`,
          method: 'POST',
          agent: posting,
          headers: { 'x-aio-key': KEY, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      );
      req.on('error', () => resolve());
      req.end(body);
    });
  const writers = Array.from({ length: 8 }, async () => {
    while (!stop) await post();
  });
  await sleep(1500);
  p.proc.kill('SIGKILL');
  await p.exited;
  stop = true;
  await Promise.all(writers);
  posting.destroy();
  const wal = `${db}-wal`;
  return existsSync(wal) ? statSync(wal).size : 0;
}

function copyWithWal(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(to + suffix, { force: true });
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix);
  }
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const b0 = performance.now();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  ctx.log(`  npm run build: ${((performance.now() - b0) / 1000).toFixed(1)} s`);
  const big = await ctx.bigDb();
  const oursDb = join(ctx.tmp, 'start-ours.sqlite');
  const bareDb = join(ctx.tmp, 'start-bare.sqlite');
  copyWithWal(big.path, oursDb);
  copyWithWal(big.path, bareDb);
  // A first start of each, unmeasured: the files into the page cache, node's code cache warm.
  await timedStart('ours', oursDb, false);
  await timedStart('bare', bareDb, false);

  const [o, b] = await alternate(ctx, [() => timedStart('ours', oursDb, ctx.profile), () => timedStart('bare', bareDb, false)]);

  const walBytes: number[] = [];
  const [ok, bk] = await alternate(ctx, [
    async () => {
      walBytes.push(await killWhileWriting(oursDb));
      copyWithWal(oursDb, bareDb); // the baseline opens the same killed file, WAL and all
      return timedStart('ours', oursDb, ctx.profile);
    },
    () => timedStart('bare', bareDb, false),
  ]);
  const show = (rs: StartResult[]) =>
    rs.map((r) => `${r.readyMs.toFixed(0)} (HTTP ${r.httpMs.toFixed(0)}, MQTT ${r.mqttMs.toFixed(0)})`).join(', ');
  ctx.log(`  clean start, ms: ours ${show(o!)}; bare ${show(b!)}`);
  ctx.log(
    `  after SIGKILL (WAL ${walBytes.map((x) => `${(x / 2 ** 20).toFixed(1)} MB`).join(', ')}), ms: ours ${show(ok!)}; bare ${show(bk!)}`,
  );
  if (walBytes.some((x) => x === 0)) throw new Error('the WAL was empty after the kill: nothing to recover');

  const row = (scenario: string, ours: StartResult[], base: StartResult[], data: Record<string, unknown>): Row => {
    const j = judged(
      ours.map((r) => r.readyMs),
      base.map((r) => r.readyMs),
    );
    return {
      scenario,
      ours: fmtMs(j.ours),
      baseline: fmtMs(j.base),
      ratio: j.ratio,
      spread: j.spread,
      target: `≤ ${TARGET_MS} ms`,
      met: j.ours <= TARGET_MS,
      data: { ours, baseline: base, ...data },
    };
  };
  const points = big.points.toLocaleString('en');
  return [
    row(`start to HTTP + MQTT, ${points} points (compiled)`, o!, b!, {}),
    row('start after SIGKILL mid-write (WAL recovery)', ok!, bk!, { walBytes }),
  ];
}
