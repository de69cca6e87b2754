import type { Database, Statement } from 'better-sqlite3';
import { getTableColumns, type Column } from 'drizzle-orm';
import type { DataRow, FeedRow } from '../core/types.js';
import { feeds } from './schema.js';

/**
 * The statements of the data hot paths (create, list, last), prepared once. Rows come back in the
 * same camelCase shape Drizzle gives, so callers see one DataRow type.
 */
const COLUMNS = `id, feed_id, user_id, value, lat, lon, ele, created_at, updated_at`;

/**
 * Data rows are read in raw mode (arrays) and shaped here: building the objects in JavaScript costs
 * half of what better-sqlite3's own row objects do, which matters on a 1000-row page.
 */
function dataRow(r: unknown[]): DataRow {
  return {
    id: r[0] as string,
    feedId: r[1] as number,
    userId: r[2] as number,
    value: r[3] as string,
    lat: r[4] as number | null,
    lon: r[5] as number | null,
    ele: r[6] as number | null,
    createdAt: r[7] as number,
    updatedAt: r[8] as number,
  };
}

/** A prepared statement answering DataRows: `get` and `all` as on a plain statement. */
export class RowStatement<P extends unknown[]> {
  constructor(private readonly stmt: Statement<P>) {
    stmt.raw(true);
  }

  get(...params: P): DataRow | undefined {
    const r = this.stmt.get(...params) as unknown[] | undefined;
    return r === undefined ? undefined : dataRow(r);
  }

  all(...params: P): DataRow[] {
    const rows = this.stmt.all(...params) as unknown[][];
    const out: DataRow[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = dataRow(rows[i]!);
    return out;
  }
}

/** A DataRow and the feed's read pointer, read together (data/last and data/first move the pointer). */
export class PointedRowStatement {
  constructor(private readonly stmt: Statement<[number, number]>) {
    stmt.raw(true);
  }

  get(feedId: number): { row: DataRow; pointer: string | null } | undefined {
    const r = this.stmt.get(feedId, feedId) as unknown[] | undefined;
    return r === undefined ? undefined : { row: dataRow(r), pointer: r[9] as string | null };
  }
}

/**
 * A feed by its key, as a FeedRow exactly as Drizzle maps one (the columns and their decoders come
 * from the Drizzle table, so the two cannot drift apart), without Drizzle's per-call query plumbing:
 * the data routes and MQTT publishes look a feed up on every request.
 */
class FeedByKey {
  private readonly stmt: Statement<[number, string]>;
  /** The feed and its newest point in one read (data/last, the most polled route). */
  private readonly withLast: Statement<[number, string]>;
  private readonly props: string[];
  private readonly columns: Column[];

  constructor(db: Database) {
    const cols = Object.entries(getTableColumns(feeds)) as Array<[string, Column]>;
    this.props = cols.map(([prop]) => prop);
    this.columns = cols.map(([, col]) => col);
    const feedCols = this.columns.map((c) => `f."${c.name}"`).join(', ');
    this.stmt = db.prepare(`SELECT ${feedCols} FROM feeds f WHERE f.user_id = ? AND f.key = ? LIMIT 1`);
    this.stmt.raw(true);
    const dataCols = COLUMNS.split(', ')
      .map((c) => `d.${c}`)
      .join(', ');
    this.withLast = db.prepare(
      `SELECT ${feedCols}, ${dataCols} FROM feeds f
       LEFT JOIN data d ON d.id = (SELECT id FROM data WHERE feed_id = f.id ORDER BY id DESC LIMIT 1)
       WHERE f.user_id = ? AND f.key = ? LIMIT 1`,
    );
    this.withLast.raw(true);
  }

  get(userId: number, key: string): FeedRow | undefined {
    const r = this.stmt.get(userId, key) as unknown[] | undefined;
    return r === undefined ? undefined : this.feedRow(r);
  }

  /** The feed by key and its newest point (null when it has none). */
  getWithLast(userId: number, key: string): { feed: FeedRow; last: DataRow | null } | undefined {
    const r = this.withLast.get(userId, key) as unknown[] | undefined;
    if (r === undefined) return undefined;
    const n = this.columns.length;
    return { feed: this.feedRow(r), last: r[n] === null ? null : dataRow(r.slice(n)) };
  }

  private feedRow(r: unknown[]): FeedRow {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.columns.length; i++) {
      const v = r[i];
      row[this.props[i]!] = v === null ? null : this.columns[i]!.mapFromDriverValue(v);
    }
    return row as FeedRow;
  }
}

/**
 * Counts new points on a feed and makes the newest its last value. Positional parameters: binding
 * them costs a third less than named ones, and this runs once a point.
 */
class NoteInsert {
  private readonly stmt: Statement<[number, number, string, number, number, number]>;

  constructor(db: Database) {
    this.stmt = db.prepare(
      `UPDATE feeds SET data_count = data_count + ?,
         last_value = CASE WHEN last_value_at IS NULL OR ? >= last_value_at THEN ? ELSE last_value END,
         last_value_at = CASE WHEN last_value_at IS NULL OR ? >= last_value_at THEN ? ELSE last_value_at END
       WHERE id = ?`,
    );
  }

  run(feedId: number, n: number, value: string, at: number): void {
    this.stmt.run(n, at, value, at, at, feedId);
  }
}

/** A page row with exactly the columns a data record shows: id, value, lat, lon, ele, created_at. */
export type PageRow = [id: string, value: string, lat: number | null, lon: number | null, ele: number | null, createdAt: number];

export class DataStatements {
  readonly insert: Statement<[string, number, number, string, number | null, number | null, number | null, number, number]>;
  /** Counts a new point and makes it the feed's last value when it is the newest. */
  readonly noteInsert: NoteInsert;
  readonly dropOthers: Statement<[number, string]>;
  readonly setCount: Statement<[number, number]>;
  readonly get: RowStatement<[number, string]>;
  readonly last: RowStatement<[number]>;
  readonly first: RowStatement<[number]>;
  /** last and first with the feed's read pointer, so that moving it costs a write only when it moves. */
  readonly lastPointed: PointedRowStatement;
  readonly firstPointed: PointedRowStatement;
  readonly after: RowStatement<[number, string]>;
  /** Newest first: feed id, lowest id (inclusive), highest id (exclusive), limit. */
  readonly page: RowStatement<[number, string, string, number]>;
  /** As `page`, in raw rows of the record's columns only (GET data without `include=`). */
  readonly pageRows: Statement<[number, string, string, number], PageRow>;
  /**
   * This connection's row changes so far and the file's data version (which moves when another
   * connection commits): while both stay the same, nothing any read returns can have changed.
   */
  readonly changeMark: Statement<[], [number, number]>;
  readonly countRange: Statement<[number, string, string], { n: number }>;
  readonly countAbove: Statement<[number, string], { n: number }>;
  readonly update: Statement<{
    feedId: number;
    id: string;
    value: string;
    lat: number | null;
    lon: number | null;
    ele: number | null;
    updatedAt: number;
  }>;
  readonly remove: Statement<[number, string]>;
  readonly setLast: Statement<[string | null, number | null, number]>;
  /** Moves a feed's read pointer (pointer, feed id, pointer again): no write when it is already there. */
  readonly setPointer: Statement<[string | null, number, string | null]>;
  readonly expire: Statement<[number, string, number]>;
  readonly feedsWithData: Statement<[], { id: number }>;
  readonly count: Statement<[number], { n: number }>;
  readonly pointer: Statement<[number], { p: string | null }>;
  readonly uncount: Statement<[number, number]>;
  /** A user's feed by its exact (lower-case) key. */
  readonly feedByKey: FeedByKey;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO data (id, feed_id, user_id, value, lat, lon, ele, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.noteInsert = new NoteInsert(db);
    this.dropOthers = db.prepare(`DELETE FROM data WHERE feed_id = ? AND id != ?`);
    this.setCount = db.prepare(`UPDATE feeds SET data_count = ? WHERE id = ?`);
    const rows = <P extends unknown[]>(sql: string) => new RowStatement<P>(db.prepare<P>(sql));
    this.get = rows(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? AND id = ?`);
    this.last = rows(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? ORDER BY id DESC LIMIT 1`);
    this.first = rows(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? ORDER BY id ASC LIMIT 1`);
    const pointed = (order: 'ASC' | 'DESC') =>
      new PointedRowStatement(
        db.prepare(
          `SELECT ${COLUMNS}, (SELECT read_pointer FROM feeds WHERE id = ?) FROM data WHERE feed_id = ? ORDER BY id ${order} LIMIT 1`,
        ),
      );
    this.lastPointed = pointed('DESC');
    this.firstPointed = pointed('ASC');
    this.after = rows(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? AND id > ? ORDER BY id ASC LIMIT 1`);
    this.page = rows(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? AND id >= ? AND id < ? ORDER BY id DESC LIMIT ?`);
    this.pageRows = db
      .prepare<[number, string, string, number], PageRow>(
        `SELECT id, value, lat, lon, ele, created_at FROM data WHERE feed_id = ? AND id >= ? AND id < ? ORDER BY id DESC LIMIT ?`,
      )
      .raw(true);
    this.changeMark = db.prepare<[], [number, number]>('SELECT total_changes(), data_version FROM pragma_data_version').raw(true);
    this.countRange = db.prepare(`SELECT count(*) AS n FROM data WHERE feed_id = ? AND id >= ? AND id < ?`);
    this.countAbove = db.prepare(`SELECT count(*) AS n FROM data WHERE feed_id = ? AND id >= ?`);
    this.update = db.prepare(
      `UPDATE data SET value = @value, lat = @lat, lon = @lon, ele = @ele, updated_at = @updatedAt WHERE feed_id = @feedId AND id = @id`,
    );
    this.remove = db.prepare(`DELETE FROM data WHERE feed_id = ? AND id = ?`);
    this.setLast = db.prepare(`UPDATE feeds SET last_value = ?, last_value_at = ? WHERE id = ?`);
    this.setPointer = db.prepare(`UPDATE feeds SET read_pointer = ? WHERE id = ? AND read_pointer IS NOT ?`);
    this.expire = db.prepare(`DELETE FROM data WHERE rowid IN (SELECT rowid FROM data WHERE feed_id = ? AND id < ? ORDER BY id LIMIT ?)`);
    this.feedsWithData = db.prepare(`SELECT id FROM feeds WHERE data_count > 0`);
    this.count = db.prepare(`SELECT data_count AS n FROM feeds WHERE id = ?`);
    this.pointer = db.prepare(`SELECT read_pointer AS p FROM feeds WHERE id = ?`);
    this.uncount = db.prepare(`UPDATE feeds SET data_count = max(0, data_count - ?) WHERE id = ?`);
    this.feedByKey = new FeedByKey(db);
  }
}
