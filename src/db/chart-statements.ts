import type { Statement, Transaction } from 'better-sqlite3';
import type { Db } from './open.js';

/** A raw point as the chart needs it. */
export interface RawPoint {
  id: string;
  userId: number;
  value: string;
  createdAt: number;
}

/** A raw point as `[id, value, created_at]` (arrays are a third cheaper to read than objects). */
export type PointTuple = [string, string, number];

/** The write side's view of a feed: its owner, point count and how much of it is folded. */
export interface FoldState {
  userId: number;
  dataCount: number;
  /** null when nothing is folded. */
  foldedId: string | null;
  foldedN: number | null;
}

/** A stored block of rollup slots (see schema/chart.ts). */
export interface BlockRow {
  stats: Buffer;
  lasts: string;
}

/** Statements of the chart rollups (`chart_blocks`, `chart_progress`), prepared once. */
export class ChartStatements {
  private readonly snapshot: Transaction<(fn: () => unknown) => unknown>;

  readonly state: Statement<[number], FoldState>;
  readonly foldedId: Statement<[number], { w: string }>;
  readonly setProgress: Statement<[number, number, string, number]>;
  readonly addFolded: Statement<[number, number]>;
  readonly setFoldedN: Statement<[number, number]>;
  readonly dropProgress: Statement<[number]>;

  readonly block: Statement<[number, number, number], BlockRow>;
  /** feed_id, user_id, span, block, stats, lasts */
  readonly putBlock: Statement<[number, number, number, number, Buffer, string]>;
  /** stats, lasts, feed_id, span, block: cheaper than putBlock for a block that exists (no delete and insert). */
  readonly updateBlock: Statement<[Buffer, string, number, number, number]>;
  readonly dropBlock: Statement<[number, number, number]>;
  readonly dropBlocksBelow: Statement<[number, number, number]>;
  readonly dropFeed: Statement<[number]>;
  /** `[block, stats]` for blocks lo <= block < hi of one span, in order. */
  readonly stats: Statement<[number, number, number, number], [number, Buffer]>;
  /** `[block, stats, lasts]`, likewise. */
  readonly statsAndLasts: Statement<[number, number, number, number], [number, Buffer, string]>;

  /**
   * Points with lo <= id < hi, oldest first. One bound on each side: given two lower bounds,
   * SQLite seeks on one of them and filters on the other.
   */
  readonly points: Statement<[number, string, string], PointTuple>;
  /** The newest points with lo <= id < hi, newest first (raw charts). */
  readonly newestPoints: Statement<[number, string, string, number], RawPoint>;
  readonly oldest: Statement<[number], RawPoint>;
  readonly countAfter: Statement<[number, string], { n: number }>;
  /** The first point with lo < id < hi: `[id, created_at]`. */
  readonly nextPoint: Statement<[number, string, string], [string, number]>;

  constructor(drizzleDb: Db) {
    const db = drizzleDb.$client;
    this.snapshot = db.transaction((fn: () => unknown) => fn());
    this.state = db.prepare(
      `SELECT f.user_id AS userId, f.data_count AS dataCount, p.folded_id AS foldedId, p.folded_n AS foldedN
       FROM feeds f LEFT JOIN chart_progress p ON p.feed_id = f.id WHERE f.id = ?`,
    );
    this.foldedId = db.prepare(`SELECT folded_id AS w FROM chart_progress WHERE feed_id = ?`);
    this.setProgress = db.prepare(`INSERT OR REPLACE INTO chart_progress (feed_id, user_id, folded_id, folded_n) VALUES (?, ?, ?, ?)`);
    this.addFolded = db.prepare(`UPDATE chart_progress SET folded_n = folded_n + ? WHERE feed_id = ?`);
    this.setFoldedN = db.prepare(`UPDATE chart_progress SET folded_n = ? WHERE feed_id = ?`);
    this.dropProgress = db.prepare(`DELETE FROM chart_progress WHERE feed_id = ?`);

    this.block = db.prepare(`SELECT stats, lasts FROM chart_blocks WHERE feed_id = ? AND span = ? AND block = ?`);
    this.putBlock = db.prepare(
      `INSERT OR REPLACE INTO chart_blocks (feed_id, user_id, span, block, stats, lasts) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.updateBlock = db.prepare(`UPDATE chart_blocks SET stats = ?, lasts = ? WHERE feed_id = ? AND span = ? AND block = ?`);
    this.dropBlock = db.prepare(`DELETE FROM chart_blocks WHERE feed_id = ? AND span = ? AND block = ?`);
    this.dropBlocksBelow = db.prepare(`DELETE FROM chart_blocks WHERE feed_id = ? AND span = ? AND block < ?`);
    this.dropFeed = db.prepare(`DELETE FROM chart_blocks WHERE feed_id = ?`);
    const RANGE = `FROM chart_blocks WHERE feed_id = ? AND span = ? AND block >= ? AND block < ? ORDER BY block`;
    this.stats = db.prepare<[number, number, number, number], [number, Buffer]>(`SELECT block, stats ${RANGE}`).raw(true);
    this.statsAndLasts = db
      .prepare<[number, number, number, number], [number, Buffer, string]>(`SELECT block, stats, lasts ${RANGE}`)
      .raw(true);

    this.points = db
      .prepare<[number, string, string], PointTuple>(
        `SELECT id, value, created_at FROM data WHERE feed_id = ? AND id >= ? AND id < ? ORDER BY id`,
      )
      .raw(true);
    const POINT = `SELECT id, user_id AS userId, value, created_at AS createdAt FROM data`;
    this.newestPoints = db.prepare(`${POINT} WHERE feed_id = ? AND id >= ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.oldest = db.prepare(`${POINT} WHERE feed_id = ? ORDER BY id LIMIT 1`);
    this.countAfter = db.prepare(`SELECT count(*) AS n FROM data WHERE feed_id = ? AND id > ?`);
    this.nextPoint = db
      .prepare<[number, string, string], [string, number]>(
        `SELECT id, created_at FROM data WHERE feed_id = ? AND id > ? AND id < ? ORDER BY id LIMIT 1`,
      )
      .raw(true);
  }

  /**
   * Runs `fn` in one read transaction (a savepoint inside another), so that every statement it runs
   * sees the same snapshot of the database.
   */
  read<T>(fn: () => T): T {
    return this.snapshot.deferred(fn) as T;
  }
}
