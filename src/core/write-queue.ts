import { storageFault, type Transactions } from '../db/transactions.js';
import type { Clock } from './clock.js';
import { storageError } from './errors.js';

interface Queued {
  write: () => unknown;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
  /** When it was queued: a write waits for a busy database at most `busyWaitMs` from then. */
  at: number;
}

export interface WriteQueueOptions {
  /** How long a write may wait for a database another process holds locked. */
  busyWaitMs: number;
  /** Time of the busy deadline; the core's clock. */
  clock: Clock;
  /** Where waiting and giving up are told (never per write). */
  onError?: (err: unknown) => void;
  /** Told of each committed batch: its writes and how long it took (ms); metrics only. */
  onCommit?: (writes: number, ms: number) => void;
}

const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;

/**
 * Group commit, the one batching mechanism of every door. The writes submitted in one turn of the
 * event loop run in order in one transaction, each in its own savepoint, so that a refused write
 * leaves nothing behind (not even the feed or group it would have made) and the others go on. Each
 * promise settles only after the commit that holds its write (or its refusal), so a 2xx or a PUBACK
 * never precedes the commit; the core's data events fire after it too (Transactions.afterCommit).
 *
 * When another process holds the database locked, the batch waits without blocking the event loop
 * (retrying with backoff, new writes queueing behind it in order) for at most `busyWaitMs`; a write
 * that still can't be stored, or any write of a batch that hit a full disk or an I/O error, is
 * rejected with a 503/507 AioError and nothing of its batch is stored.
 */
export class WriteQueue {
  private queued: Queued[] = [];
  private timer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private retryMs = 0;

  constructor(
    private readonly tx: Transactions,
    private readonly opts: WriteQueueOptions,
  ) {}

  /** Queues `write` for this turn's commit; resolves with its result once committed. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ write, resolve: resolve as (v: unknown) => void, reject, at: this.opts.clock() });
      this.timer ??= setImmediate(() => this.flush());
    });
  }

  /** Writes still waiting (for a busy database, or for the end of this turn). */
  get pending(): number {
    return this.queued.length;
  }

  /** Runs everything queued now, without waiting for the end of the turn (used when stopping). */
  drain(): void {
    this.cancelTimer();
    this.flush();
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    clearImmediate(this.timer as NodeJS.Immediate);
    clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const results: Array<{ ok: boolean; value: unknown }> = new Array(batch.length);
    const started = this.opts.onCommit ? performance.now() : 0;
    try {
      this.tx.run(() => {
        for (let i = 0; i < batch.length; i++) {
          try {
            results[i] = { ok: true, value: this.tx.run(batch[i]!.write) };
          } catch (err) {
            // A storage fault, or SQLite having ended the transaction by itself, fails the batch:
            // going on would store the rest outside it.
            if (storageFault(err) !== null || !this.tx.open) throw err;
            results[i] = { ok: false, value: err };
          }
        }
      });
    } catch (err) {
      this.failed(batch, err);
      return;
    }
    this.retryMs = 0;
    this.opts.onCommit?.(batch.length, performance.now() - started);
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if (r.ok) batch[i]!.resolve(r.value);
      else batch[i]!.reject(r.value);
    }
  }

  private failed(batch: Queued[], err: unknown): void {
    const fault = storageFault(err);
    if (fault === 'busy') {
      const now = this.opts.clock();
      const expired = batch.filter((q) => now - q.at >= this.opts.busyWaitMs);
      const waiting = batch.filter((q) => now - q.at < this.opts.busyWaitMs);
      if (expired.length > 0) {
        const refusal = storageError('busy');
        for (const q of expired) q.reject(refusal);
        this.opts.onError?.(err);
      }
      // In order, ahead of what was queued meanwhile.
      this.queued = waiting.concat(this.queued);
      if (this.queued.length > 0) {
        this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs === 0 ? FIRST_RETRY_MS : this.retryMs * 2);
        this.cancelTimer();
        this.timer = setTimeout(() => this.flush(), this.retryMs);
      }
      return;
    }
    this.opts.onError?.(err);
    const refusal = fault === null ? err : storageError(fault);
    for (const q of batch) q.reject(refusal);
  }
}
