import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { PACKAGE_ROOT } from '../package-root.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS = resolve(PACKAGE_ROOT, 'migrations');

/**
 * Opens (creating if needed) the SQLite file, sets the pragmas every connection needs and applies
 * pending migrations. WAL with synchronous=NORMAL keeps every committed transaction across a process
 * kill; only an OS crash can lose the last commits, and never corrupts the file.
 */
export function openDb(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // Opening and migrating may wait for another process's lock; what runs after follows opts.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('cache_size = -32000');
  const db = drizzle({ client: sqlite, schema }) as Db;
  migrate(db, { migrationsFolder: MIGRATIONS });
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
  return db;
}

export interface OpenOptions {
  /**
   * How long one statement blocks waiting for another connection's lock. The server uses 0: a wait
   * would block its event loop (every client), so it waits for a busy database asynchronously instead
   * (core/write-queue.ts). The account command, alone in its process, can afford to block.
   */
  busyTimeoutMs?: number;
}

export function closeDb(db: Db): void {
  if (!db.$client.open) return;
  try {
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.$client.close();
  }
}
