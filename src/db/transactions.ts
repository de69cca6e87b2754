import type { Database } from 'better-sqlite3';

/**
 * What went wrong with the storage itself, as opposed to what was asked of it:
 * - `busy`: another connection (the account command, a backup) holds the write lock; nothing of the
 *   failed transaction was written, so it can be tried again;
 * - `full`: the disk (or the file's size limit) is full;
 * - `unavailable`: an I/O error, a read-only file or any other fault of the storage.
 */
export type StorageFault = 'busy' | 'full' | 'unavailable';

const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);
const FULL = new Set(['SQLITE_FULL']);
const UNAVAILABLE = /^SQLITE_(IOERR|READONLY|CANTOPEN|CORRUPT|NOMEM|PROTOCOL|NOTADB|PERM)/;

/** The storage fault behind an error thrown by better-sqlite3, or null for anything else. */
export function storageFault(err: unknown): StorageFault | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
  const base = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  if (BUSY.has(base)) return 'busy';
  if (FULL.has(base)) return 'full';
  if (UNAVAILABLE.test(code)) return 'unavailable';
  return null;
}

/**
 * The one way the core opens a write transaction, and the seam that makes "nothing is seen before
 * its commit" hold: work registered with afterCommit() inside run() happens only once the outermost
 * transaction has committed, and never for a part that was rolled back (a failed savepoint drops
 * what it registered; a failed commit drops everything).
 *
 * The outermost transaction is BEGIN IMMEDIATE: it takes the write lock before the first read, so a
 * busy database fails at BEGIN, with nothing done, instead of half-way through (a deferred transaction
 * that reads first cannot wait for the lock and must be abandoned). Nested calls are savepoints.
 *
 * A second backend (PostgreSQL through Drizzle) would provide the same three calls.
 */
export class Transactions {
  private readonly frames: Array<Array<() => void>> = [];
  private epochValue = 0;
  private readonly outer: (fn: () => unknown) => unknown;
  private readonly nested: (fn: () => unknown) => unknown;

  constructor(private readonly sqlite: Database) {
    const tx = sqlite.transaction((fn: () => unknown) => fn());
    this.outer = tx.immediate;
    this.nested = tx;
  }

  /** True inside run(). */
  get active(): boolean {
    return this.frames.length > 0;
  }

  /**
   * Moves whenever an outermost transaction begins or ends and whenever any part of one is rolled
   * back. Inside run(), while it stays the same, what this transaction read is still what the
   * database holds, unless this transaction itself changed it (no other connection can write while
   * we hold the write lock): a lookup may be kept for that long (core/data.ts, the feed of a write).
   */
  get epoch(): number {
    return this.epochValue;
  }

  /** Runs `fn` in a transaction (a savepoint when nested); throws what `fn` or the commit threw. */
  run<T>(fn: () => T): T {
    const outermost = this.frames.length === 0;
    if (outermost && this.sqlite.inTransaction) {
      // Someone opened a transaction by another way: join it as a savepoint, deliver on our return.
      return this.runJoined(fn);
    }
    if (outermost) this.epochValue++;
    this.frames.push([]);
    let result: T;
    try {
      result = (outermost ? this.outer(fn) : this.nested(fn)) as T;
    } catch (err) {
      this.epochValue++;
      this.frames.pop();
      throw err;
    }
    const done = this.frames.pop()!;
    if (outermost) this.epochValue++;
    if (outermost) for (const cb of done) cb();
    else this.frames[this.frames.length - 1]!.push(...done);
    return result;
  }

  private runJoined<T>(fn: () => T): T {
    // Not our transaction: its begin and end are not seen here, so nothing read in it is kept.
    this.epochValue++;
    this.frames.push([]);
    try {
      const result = this.nested(fn) as T;
      for (const cb of this.frames[this.frames.length - 1]!) cb();
      return result;
    } finally {
      this.epochValue++;
      this.frames.pop();
    }
  }

  /** Runs `cb` after the current transaction commits (at once outside one); dropped on rollback. */
  afterCommit(cb: () => void): void {
    const frame = this.frames[this.frames.length - 1];
    if (frame) frame.push(cb);
    else cb();
  }

  /** Whether the connection is still inside a transaction (SQLite ends one by itself on some faults). */
  get open(): boolean {
    return this.sqlite.inTransaction;
  }
}
