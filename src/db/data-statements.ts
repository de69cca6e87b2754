import type { Database, Statement } from 'better-sqlite3';
import type { DataRow } from '../core/types.js';

/**
 * The statements of the data hot paths (create, list, last), prepared once. Rows come back in the
 * same camelCase shape Drizzle gives, so callers see one DataRow type.
 */
const COLUMNS = `id, feed_id AS feedId, user_id AS userId, value, lat, lon, ele, created_at AS createdAt, updated_at AS updatedAt`;

export class DataStatements {
  readonly insert: Statement<[string, number, number, string, number | null, number | null, number | null, number, number]>;
  /** Counts a new point and makes it the feed's last value when it is the newest. */
  readonly noteInsert: Statement<{ feedId: number; n: number; value: string; at: number }>;
  readonly dropOthers: Statement<[number, string]>;
  readonly setCount: Statement<[number, number]>;
  readonly get: Statement<[number, string], DataRow>;
  readonly last: Statement<[number], DataRow>;
  readonly first: Statement<[number], DataRow>;
  readonly after: Statement<[number, string], DataRow>;
  readonly page: Statement<{ feedId: number; lo: string; hi: string; limit: number }, DataRow>;
  readonly countRange: Statement<[number, string, string], { n: number }>;
  readonly countAbove: Statement<[number, string], { n: number }>;
  readonly update: Statement<{ feedId: number; id: string; value: string; lat: number | null; lon: number | null; ele: number | null; updatedAt: number }>;
  readonly remove: Statement<[number, string]>;
  readonly setLast: Statement<[string | null, number | null, number]>;
  readonly setPointer: Statement<[string | null, number]>;
  readonly expire: Statement<[number, string, number]>;
  readonly feedsWithData: Statement<[], { id: number }>;
  readonly count: Statement<[number], { n: number }>;
  readonly pointer: Statement<[number], { p: string | null }>;
  readonly uncount: Statement<[number, number]>;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO data (id, feed_id, user_id, value, lat, lon, ele, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.noteInsert = db.prepare(
      `UPDATE feeds SET data_count = data_count + @n,
         last_value = CASE WHEN last_value_at IS NULL OR @at >= last_value_at THEN @value ELSE last_value END,
         last_value_at = CASE WHEN last_value_at IS NULL OR @at >= last_value_at THEN @at ELSE last_value_at END
       WHERE id = @feedId`,
    );
    this.dropOthers = db.prepare(`DELETE FROM data WHERE feed_id = ? AND id != ?`);
    this.setCount = db.prepare(`UPDATE feeds SET data_count = ? WHERE id = ?`);
    this.get = db.prepare(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? AND id = ?`);
    this.last = db.prepare(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? ORDER BY id DESC LIMIT 1`);
    this.first = db.prepare(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? ORDER BY id ASC LIMIT 1`);
    this.after = db.prepare(`SELECT ${COLUMNS} FROM data WHERE feed_id = ? AND id > ? ORDER BY id ASC LIMIT 1`);
    this.page = db.prepare(
      `SELECT ${COLUMNS} FROM data WHERE feed_id = @feedId AND id >= @lo AND id < @hi ORDER BY id DESC LIMIT @limit`,
    );
    this.countRange = db.prepare(`SELECT count(*) AS n FROM data WHERE feed_id = ? AND id >= ? AND id < ?`);
    this.countAbove = db.prepare(`SELECT count(*) AS n FROM data WHERE feed_id = ? AND id >= ?`);
    this.update = db.prepare(
      `UPDATE data SET value = @value, lat = @lat, lon = @lon, ele = @ele, updated_at = @updatedAt WHERE feed_id = @feedId AND id = @id`,
    );
    this.remove = db.prepare(`DELETE FROM data WHERE feed_id = ? AND id = ?`);
    this.setLast = db.prepare(`UPDATE feeds SET last_value = ?, last_value_at = ? WHERE id = ?`);
    this.setPointer = db.prepare(`UPDATE feeds SET read_pointer = ? WHERE id = ?`);
    this.expire = db.prepare(
      `DELETE FROM data WHERE rowid IN (SELECT rowid FROM data WHERE feed_id = ? AND id < ? ORDER BY id LIMIT ?)`,
    );
    this.feedsWithData = db.prepare(`SELECT id FROM feeds WHERE data_count > 0`);
    this.count = db.prepare(`SELECT data_count AS n FROM feeds WHERE id = ?`);
    this.pointer = db.prepare(`SELECT read_pointer AS p FROM feeds WHERE id = ?`);
    this.uncount = db.prepare(`UPDATE feeds SET data_count = max(0, data_count - ?) WHERE id = ?`);
  }
}
