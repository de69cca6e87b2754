import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Checkpointer, type CheckpointResult } from '../../src/db/checkpointer.js';
import { closeDb, openDb, type Db } from '../../src/db/open.js';
import { startServer } from '../../src/server.js';
import { tempDir, testConfig } from '../helpers.js';

// WAL checkpoints run in a worker thread with its own connection (src/db/checkpointer.ts), never
// inside a commit of the server's connection.

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function fixture(): { db: Db; path: string } {
  const tmp = tempDir();
  const path = join(tmp.dir, 'aio.sqlite');
  const db = openDb(path, { busyTimeoutMs: 0 });
  db.$client.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  cleanups.push(() => {
    closeDb(db);
    tmp.cleanup();
  });
  return { db, path };
}

function write(db: Db, rows: number): void {
  const insert = db.$client.prepare('INSERT INTO t (body) VALUES (?)');
  db.$client.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(500));
  })();
}

describe('Checkpointer', () => {
  it('turns the writing connection’s checkpoints off and copies the WAL into the file from its worker', async () => {
    const { db } = fixture();
    const done: CheckpointResult[] = [];
    const cp = new Checkpointer(db.$client, { intervalMs: 3_600_000, onCheckpoint: (r) => done.push(r) });
    cleanups.push(() => cp.stop());
    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    cp.start();
    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    // 2,000 pages and more: SQLite's own checkpoint would have run inside these commits.
    for (let i = 0; i < 40; i++) write(db, 400);
    const r = await cp.checkpoint();
    expect(r.log).toBeGreaterThan(2000);
    expect(r.checkpointed).toBe(r.log);
    expect(done).toEqual([r]);
    // The database file itself now holds the 16,000 rows of 500 bytes.
    expect(statSync(db.$client.name).size).toBeGreaterThan(16_000 * 500);
  });

  it('checkpoints on its timer once the WAL changed, and not again while it did not', async () => {
    const { db } = fixture();
    const done: CheckpointResult[] = [];
    let ran: () => void = () => {};
    const cp = new Checkpointer(db.$client, {
      intervalMs: 5,
      onCheckpoint: (r) => {
        done.push(r);
        ran();
      },
    });
    cleanups.push(() => cp.stop());
    cp.start();
    await new Promise<void>((resolve) => {
      ran = resolve;
      write(db, 100);
    });
    expect(done).toHaveLength(1);
    expect(done[0]!.checkpointed).toBe(done[0]!.log);
    // Twenty more intervals with no write: no further checkpoint.
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toHaveLength(1);
  });

  it('never makes the writer see SQLITE_BUSY, with busy_timeout 0 and checkpoints running all the time', async () => {
    const { db } = fixture();
    const cp = new Checkpointer(db.$client, { intervalMs: 3_600_000 });
    cleanups.push(() => cp.stop());
    cp.start();
    let stop = false;
    let checkpoints = 0;
    const loop = (async () => {
      while (!stop) {
        const r = await cp.checkpoint();
        if (r.checkpointed > 0) checkpoints++;
      }
    })();
    for (let i = 0; i < 300; i++) {
      write(db, 20);
      // Reads too: a reader needs a WAL read mark while the checkpoint moves them.
      db.$client.prepare('SELECT count(*) FROM t').get();
      await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await loop;
    expect(checkpoints).toBeGreaterThan(0);
    expect(db.$client.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 6000 });
  });

  it('when the worker cannot work (the file is gone), hands checkpoints back to SQLite and says so', async () => {
    const { db, path } = fixture();
    const errors: unknown[] = [];
    const cp = new Checkpointer(db.$client, { intervalMs: 3_600_000, onError: (err) => errors.push(err) });
    cleanups.push(() => cp.stop());
    cp.start();
    rmSync(path);
    await expect(cp.checkpoint()).rejects.toThrow();
    expect(errors).toHaveLength(1);
    expect(db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await expect(cp.checkpoint()).rejects.toThrow(/stopped/);
  });

  it('stop() holds the process until the worker closed its connection, so closeDb still runs after it', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const path = join(tmp.dir, 'stopped.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/fixtures/checkpoint-close.ts', path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toBe('closed\n');
    expect(existsSync(`${path}-wal`)).toBe(false);
  }, 30_000);

  it('a process killed again and again in the middle of checkpoints leaves a consistent database with every commit', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const path = join(tmp.dir, 'killed.sqlite');
    let committed = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/fixtures/checkpoint-writer.ts', path], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let checkpoints = 0;
      let buf = '';
      await new Promise<void>((resolve, reject) => {
        child.on('exit', (code) => reject(new Error(`writer exited by itself (${code})`)));
        child.stdout.on('data', (b: Buffer) => {
          buf += b.toString();
          const lines = buf.split('\n');
          buf = lines.pop()!;
          for (const line of lines) {
            if (line === 'k') checkpoints++;
            else if (line.startsWith('c ')) committed = Number(line.slice(2));
          }
          // Several checkpoints done and more under way (one runs after every commit's turn).
          if (checkpoints >= 5 + round * 3) {
            child.removeAllListeners('exit');
            child.kill('SIGKILL');
            child.on('exit', () => resolve());
          }
        });
      });
      expect(existsSync(`${path}-wal`)).toBe(true);
      const check = new Database(path);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      const { n } = check.prepare('SELECT count(*) AS n FROM kill_test').get() as { n: number };
      // Every commit the writer reported is there (it may have committed one more before dying).
      expect(n).toBeGreaterThanOrEqual(committed);
      committed = n;
      check.close();
    }
  }, 60_000);
});

describe('the server', () => {
  it('checkpoints from its worker while running and leaves no WAL behind when closed', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const dbPath = join(tmp.dir, 'aio.sqlite');
    const key = 'checkpoint-key-0123';
    const server = await startServer(testConfig({ username: 'ada', key, dbCheckpointMs: 5 }, dbPath), { log: () => {}, mqttTimers: null });
    const before = statSync(dbPath).mtimeMs;
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await server.close();
    });
    const res = await fetch(`${server.httpUrl}/api/v2/ada/feeds/temp/data`, {
      method: 'POST',
      headers: { 'X-AIO-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify({ value: '21.5' }),
    });
    expect(res.status).toBe(200);
    // One point is far from the 1,000 pages at which SQLite itself would checkpoint: the worker
    // copies it into the database file within a few intervals.
    await vi.waitFor(() => expect(statSync(dbPath).mtimeMs).toBeGreaterThan(before), { timeout: 5000, interval: 10 });
    expect(existsSync(`${dbPath}-wal`)).toBe(true);
    await server.close();
    closed = true;
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const check = new Database(dbPath, { readonly: true });
    expect(check.prepare("SELECT d.value FROM data d JOIN feeds f ON f.id = d.feed_id WHERE f.key = 'temp'").all()).toEqual([
      { value: '21.5' },
    ]);
    check.close();
  });
});
