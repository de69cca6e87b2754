import type { Statement } from 'better-sqlite3';
import type { Db } from './open.js';

/** A fixture's point as it is stored (its id made by the core). */
export interface PointRow {
  id: string;
  value: string;
  createdAt: number;
  lat: number | null;
  lon: number | null;
  ele: number | null;
}

/**
 * Points per multi-row INSERT: one statement call carries this many rows (9 parameters each, far
 * below SQLite's limit), so a 10,000-point fixture costs 100 calls into SQLite instead of 10,000.
 */
const BULK_ROWS = 100;
const INSERT_DATA = 'INSERT INTO data (id, feed_id, user_id, value, lat, lon, ele, created_at, updated_at) VALUES ';
const DATA_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The test control plane's statements (src/control, core/reset.ts and core/fixtures.ts): emptying
 * an account, deleting accounts, a fixture's fixed secrets and its data points in bulk. The
 * schema's cascades do most of the work; the big tables go first by their own index so that a
 * reset never walks 10,000 cascades one row at a time.
 */
export class ResetStatements {
  private readonly empties: Statement<[number]>[];
  private readonly defaultGroup: Statement<[number, number, number]>;
  private readonly deleteOthers: Statement<[string]>;
  private readonly sessionClients: Statement<[number]>;
  private readonly tokenSecret: Statement<[string, number, number]>;
  private readonly webhookToken: Statement<[string, number, number]>;
  private readonly clearActivities: Statement<[number]>;
  private readonly insertData: Statement<unknown[]>;
  private readonly insertDataBulk: Statement<unknown[]>;
  private readonly noteBulk: Statement<[number, string, number, number]>;
  private readonly dataOf: Statement<[number]>;
  private readonly secretTaken: Statement<[string, string]>;
  private readonly webhookTaken: Statement<[string]>;

  constructor(db: Db) {
    const sql = db.$client;
    const feedsOf = '(SELECT id FROM feeds WHERE user_id = ?)';
    // Children of feeds first through their feed index, then everything hanging off the user.
    this.empties = [
      `DELETE FROM chart_blocks WHERE feed_id IN ${feedsOf}`,
      `DELETE FROM chart_progress WHERE feed_id IN ${feedsOf}`,
      `DELETE FROM data WHERE feed_id IN ${feedsOf}`,
      'DELETE FROM permissions WHERE user_id = ?',
      'DELETE FROM actions WHERE user_id = ?',
      'DELETE FROM feed_status_changes WHERE user_id = ?',
      'DELETE FROM tokens WHERE user_id = ?',
      'DELETE FROM webhook_receivers WHERE user_id = ?',
      'DELETE FROM dashboards WHERE user_id = ?',
      'DELETE FROM groups WHERE user_id = ?',
      'DELETE FROM integrations WHERE user_id = ?',
      'DELETE FROM activities WHERE user_id = ?',
      'DELETE FROM mqtt_sessions WHERE user_id = ?',
    ].map((s) => sql.prepare<[number]>(s));
    this.defaultGroup = sql.prepare(
      `INSERT INTO groups (user_id, key, name, created_at, updated_at) VALUES (?, 'default', 'Default', ?, ?)`,
    );
    // json_each: the kept usernames as one JSON array parameter.
    this.deleteOthers = sql.prepare(`DELETE FROM users WHERE username NOT IN (SELECT value FROM json_each(?))`);
    this.sessionClients = sql.prepare<[number]>('SELECT client_id FROM mqtt_sessions WHERE user_id = ?').pluck();
    this.tokenSecret = sql.prepare('UPDATE tokens SET secret_hash = ? WHERE user_id = ? AND id = ?');
    this.webhookToken = sql.prepare('UPDATE webhook_receivers SET token_hash = ? WHERE user_id = ? AND id = ?');
    this.secretTaken = sql
      .prepare<[string, string]>('SELECT 1 FROM tokens WHERE secret_hash = ? UNION ALL SELECT 1 FROM users WHERE key_hash = ?')
      .pluck();
    this.webhookTaken = sql.prepare<[string]>('SELECT 1 FROM webhook_receivers WHERE token_hash = ?').pluck();
    this.clearActivities = sql.prepare('DELETE FROM activities WHERE user_id = ?');
    this.insertData = sql.prepare(INSERT_DATA + DATA_ROW);
    this.insertDataBulk = sql.prepare(INSERT_DATA + Array<string>(BULK_ROWS).fill(DATA_ROW).join(', '));
    this.noteBulk = sql.prepare('UPDATE feeds SET data_count = data_count + ?, last_value = ?, last_value_at = ? WHERE id = ?');
    this.dataOf = sql.prepare<[number]>('SELECT value, created_at AS createdAt, lat, lon, ele FROM data WHERE feed_id = ? ORDER BY id');
  }

  /** Deletes everything the account owns (its MQTT sessions too) and gives it back its default group. */
  emptyAccount(userId: number, now: number): void {
    for (const stmt of this.empties) stmt.run(userId);
    this.defaultGroup.run(userId, now, now);
  }

  /** Deletes every account not named (cascading all they own); answers how many went. */
  deleteAccountsExcept(usernames: string[]): number {
    return this.deleteOthers.run(JSON.stringify(usernames)).changes;
  }

  sessionClientIds(userId: number): string[] {
    return this.sessionClients.all(userId) as string[];
  }

  /** Whether a token secret (or account key) with this hash exists anywhere. */
  secretInUse(hash: string): boolean {
    return this.secretTaken.get(hash, hash) !== undefined;
  }

  webhookTokenInUse(hash: string): boolean {
    return this.webhookTaken.get(hash) !== undefined;
  }

  setTokenSecret(userId: number, tokenId: number, hash: string): void {
    this.tokenSecret.run(hash, userId, tokenId);
  }

  setWebhookToken(userId: number, receiverId: number, hash: string): void {
    this.webhookToken.run(hash, userId, receiverId);
  }

  clearActivitiesOf(userId: number): void {
    this.clearActivities.run(userId);
  }

  /** Inserts a fixture's points into one feed, BULK_ROWS to a statement (the rest one by one). */
  insertPoints(feedId: number, userId: number, updatedAt: number, rows: readonly PointRow[]): void {
    const args: unknown[] = new Array(BULK_ROWS * 9);
    let i = 0;
    for (; i + BULK_ROWS <= rows.length; i += BULK_ROWS) {
      for (let k = 0; k < BULK_ROWS; k++) fillRow(args, k * 9, rows[i + k]!, feedId, userId, updatedAt);
      this.insertDataBulk.run(args);
    }
    const one: unknown[] = new Array(9);
    for (; i < rows.length; i++) {
      fillRow(one, 0, rows[i]!, feedId, userId, updatedAt);
      this.insertData.run(one);
    }
  }

  /** After a bulk insert of `n` points: the feed's count, and its last value (the newest of them). */
  noteBulkInsert(feedId: number, n: number, lastValue: string, lastAt: number): void {
    this.noteBulk.run(n, lastValue, lastAt, feedId);
  }

  /** A feed's points, oldest first, for an export. */
  pointsOf(feedId: number): Array<{ value: string; createdAt: number; lat: number | null; lon: number | null; ele: number | null }> {
    return this.dataOf.all(feedId) as Array<{
      value: string;
      createdAt: number;
      lat: number | null;
      lon: number | null;
      ele: number | null;
    }>;
  }
}

function fillRow(args: unknown[], at: number, r: PointRow, feedId: number, userId: number, updatedAt: number): void {
  args[at] = r.id;
  args[at + 1] = feedId;
  args[at + 2] = userId;
  args[at + 3] = r.value;
  args[at + 4] = r.lat;
  args[at + 5] = r.lon;
  args[at + 6] = r.ele;
  args[at + 7] = r.createdAt;
  args[at + 8] = updatedAt;
}
