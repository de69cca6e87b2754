import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * WAL checkpoints off the event loop. SQLite's own checkpoint runs inside the commit that crosses
 * 1,000 WAL pages, on the thread that commits: it copies those pages into the database file and
 * fsyncs it, which blocks every client of the server meanwhile (tens of ms on a shared disk; with a
 * fleet writing 1,000 points/s, every second or two). Here the writing connection never checkpoints;
 * a worker thread with its own connection runs PASSIVE checkpoints whenever the WAL changed, every
 * `intervalMs`. PASSIVE takes no write lock (the writer goes on appending; SQLite restarts the WAL
 * from its start once a checkpoint caught up), so it never makes a writer see SQLITE_BUSY, and like
 * any checkpoint it leaves the file consistent if the process dies in the middle (the WAL still holds
 * every committed page). Closing stops the worker first; closeDb then truncates the WAL.
 */

export interface CheckpointResult {
  /** Pages in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
  /** Time the checkpoint took in the worker (ms). */
  ms: number;
}

export interface CheckpointerOptions {
  /** How often the WAL is looked at (ms); a checkpoint runs when it changed since the last one. */
  intervalMs: number;
  /** A checkpoint that failed, or the worker lost (SQLite's own checkpoints are then back on). */
  onError?: (err: unknown) => void;
  onCheckpoint?: (r: CheckpointResult) => void;
}

/** SQLite's default, restored when the worker can't do the job. */
const AUTOCHECKPOINT_PAGES = 1000;

// Plain CommonJS so that the worker needs no TypeScript loader (execArgv is emptied below).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  const t0 = performance.now();
  try {
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed, ms: performance.now() - t0 });
  } catch (err) {
    parentPort.postMessage({ ok: false, message: String((err && err.message) || err), code: err && err.code });
  }
});
`;

type Reply = ({ ok: true } & CheckpointResult) | { ok: false; message: string; code?: string };

export class Checkpointer {
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<CheckpointResult> | undefined;
  private settle: ((r: Reply | Error) => void) | undefined;
  private lastMark = '';
  private stopped = false;

  constructor(
    private readonly sqlite: Database.Database,
    private readonly opts: CheckpointerOptions,
  ) {}

  /** Takes checkpoints over from the writing connection. */
  start(): void {
    if (this.sqlite.memory || this.timer || this.stopped) return;
    this.sqlite.pragma('wal_autocheckpoint = 0');
    this.timer = setInterval(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    let mark: string;
    try {
      const s = await stat(`${this.sqlite.name}-wal`);
      if (s.size === 0) return;
      mark = `${s.size}:${s.mtimeMs}`;
    } catch {
      return; // no WAL yet
    }
    if (mark === this.lastMark || this.running || this.stopped) return;
    this.lastMark = mark;
    try {
      await this.checkpoint();
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  /** One PASSIVE checkpoint in the worker (started on first use). */
  checkpoint(): Promise<CheckpointResult> {
    if (this.stopped) return Promise.reject(new Error('checkpointer stopped'));
    this.running ??= new Promise<Reply | Error>((resolve) => {
      this.settle = resolve;
      const worker = this.ensureWorker();
      // Referenced while it works, so that a caller awaiting the result keeps the process alive.
      worker.ref();
      worker.postMessage('checkpoint');
    })
      .then((r) => {
        if (r instanceof Error) throw r;
        if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code });
        const result = { log: r.log, checkpointed: r.checkpointed, ms: r.ms };
        this.opts.onCheckpoint?.(result);
        return result;
      })
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) this.worker?.unref();
      });
    return this.running;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { driver, path: this.sqlite.name } });
    worker.unref();
    worker.on('message', (r: Reply) => this.reply(r));
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) => this.lost(worker, new Error(`checkpoint worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private reply(r: Reply | Error): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(r);
  }

  /** The worker died (it could not open the file, or ran out of memory): SQLite checkpoints again. */
  private lost(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.reply(err);
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    this.opts.onError?.(err);
  }

  /** Waits for a checkpoint under way, then closes the worker's connection; before closeDb. */
  async stop(): Promise<void> {
    if (this.stopped && !this.worker) return;
    this.stopped = true;
    clearInterval(this.timer);
    // Held until it exits: unreferenced, the process could end here, before closeDb truncates the WAL.
    this.worker?.ref();
    await this.running?.catch(() => {});
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    await exited;
  }
}
