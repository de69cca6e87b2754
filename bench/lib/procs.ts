/**
 * Child processes of the suite: servers (ours and the bare baselines, bundled: bench/lib/bundle.ts) and
 * load generators (TypeScript through tsx's loader), each in its own Node process talking to the runner over IPC:
 * `{ type: 'ready', ... }` once listening or connected, `{ type: 'result', ... }` with its figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundled } from './bundle.js';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const PROFILE_DIR = join(BENCH, 'profiles');

export interface Msg {
  type: string;
  [k: string]: unknown;
}

export class Child {
  private readonly queue: Msg[] = [];
  private waiters: Array<{ type: string; resolve: (m: Msg) => void; reject: (e: Error) => void }> = [];
  private exited: { code: number | null; signal: string | null } | undefined;
  readonly exit: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.on('message', (m: Msg) => {
      if (m.type === 'error') return this.fail(new Error(`${name}: ${String(m.message)}`));
      const i = this.waiters.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
      else this.queue.push(m);
    });
    this.exit = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exited = { code, signal };
        this.fail(new Error(`${name} exited (code ${code}, signal ${signal})`));
        resolve();
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  private fail(err: Error): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.reject(err);
  }

  /** The next message of this type (queued ones first). */
  next<T extends Msg = Msg>(type: string, timeoutMs = 120_000): Promise<T> {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as T);
    if (this.exited) return Promise.reject(new Error(`${this.name} already exited`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(m: Msg): void {
    if (!this.exited && this.proc.connected) this.proc.send(m);
  }

  /** Asks the child to stop (`{type: 'stop'}`), then kills it if it has not exited in time. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.exited) return;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** Resident set size of the process now, in MB (VmRSS from /proc/PID/status). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
    return kb / 1024;
  }
}

/** This process's open-file limits (`ulimit -Sn` / `-Hn`), from /proc/self/limits; 1024/4096 elsewhere. */
export function fdLimits(): { soft: number; hard: number } {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const n = (x: string | undefined) => (x === undefined || x === 'unlimited' ? Number.POSITIVE_INFINITY : Number(x));
    if (m) return { soft: n(m[1]), hard: n(m[2]) };
  } catch {
    // not Linux
  }
  return { soft: 1024, hard: 4096 };
}

/** Open file descriptors of a process now (entries of /proc/PID/fd). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Starts `bench/<script>` in its own Node process: a server script (`bundle`) as an esbuild bundle run by
 * plain node (bench/lib/bundle.ts), a load script as TypeScript through tsx.
 */
export function spawnChild(
  script: string,
  opts: { env?: Record<string, string>; args?: string[]; profile?: string; name?: string; bundle?: boolean } = {},
): Child {
  const execArgv = opts.bundle ? [] : ['--import', 'tsx'];
  if (opts.profile) {
    // One folder per process: Node writes one profile per thread (tsx's loader has its own), the main
    // thread's is the one whose name has thread id 0 (CPU.<date>.<time>.<pid>.0.<n>.cpuprofile).
    const dir = join(PROFILE_DIR, opts.profile);
    mkdirSync(dir, { recursive: true });
    execArgv.unshift('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const proc = fork(opts.bundle ? bundled(script) : join(BENCH, script), opts.args ?? [], {
    execArgv,
    cwd: resolve(BENCH, '..'),
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Child(opts.name ?? script, proc);
}

/** Starts a server script and waits until it listens; its `ready` message carries the ports. */
export async function startServer(
  script: string,
  opts: { env?: Record<string, string>; profile?: string; name?: string } = {},
): Promise<{ child: Child; http?: number; mqtt?: number }> {
  const child = spawnChild(script, { ...opts, bundle: true });
  try {
    const ready = await child.next<{ type: 'ready'; http?: number; mqtt?: number }>('ready', 60_000);
    return { child, http: ready.http, mqtt: ready.mqtt };
  } catch (err) {
    child.proc.kill('SIGKILL');
    throw err;
  }
}

/** Runs a load script to completion and returns its `result` message. */
export async function runLoad<T>(script: string, config: unknown, timeoutMs = 300_000): Promise<T> {
  const child = spawnChild(script, { args: [JSON.stringify(config)] });
  try {
    return (await child.next('result', timeoutMs)) as T;
  } finally {
    await child.stop();
  }
}

/** For child processes: report a result / an error to the runner, and obey `stop`. */
export const parent = {
  send(m: Msg): void {
    process.send?.(m);
  },
  config<T>(): T {
    return JSON.parse(process.argv[2] ?? '{}') as T;
  },
  onStop(fn: () => Promise<void> | void): void {
    const stop = async () => {
      try {
        await fn();
      } finally {
        process.exit(0);
      }
    };
    process.on('message', (m: Msg) => {
      if (m?.type === 'stop') void stop();
    });
    // The runner went away: do not linger.
    process.on('disconnect', () => void stop());
  },
  fail(err: unknown): void {
    process.send?.({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    setTimeout(() => process.exit(1), 100);
  },
};
