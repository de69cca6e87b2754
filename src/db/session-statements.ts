import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { Db } from './open.js';

/**
 * The SQL of persistent MQTT sessions (schema/sessions.ts), prepared once. Everything is looked up by
 * client id, which names one session on the whole broker; the session row carries the owner.
 */

export interface StoredSession {
  id: number;
  clientId: string;
  userId: number;
  lastSeen: number;
  queued: number;
  dropped: number;
}

export interface StoredSub {
  topic: string;
  qos: number;
  /** Other subscription options, JSON. */
  options: string | null;
}

export interface StoredMessage {
  cmd: string;
  topic: string | null;
  payload: Buffer | null;
  qos: number;
  retain: boolean;
  dup: boolean;
  messageId: number | null;
  brokerId: string | null;
  brokerCounter: number | null;
}

const MESSAGE_COLUMNS = 'cmd, topic, payload, qos, retain, dup, message_id, broker_id, broker_counter';

function message(r: unknown[]): StoredMessage {
  return {
    cmd: r[0] as string,
    topic: r[1] as string | null,
    payload: r[2] as Buffer | null,
    qos: r[3] as number,
    retain: r[4] === 1,
    dup: r[5] === 1,
    messageId: r[6] as number | null,
    brokerId: r[7] as string | null,
    brokerCounter: r[8] as number | null,
  };
}

function messageParams(m: StoredMessage): unknown[] {
  return [m.cmd, m.topic, m.payload, m.qos, m.retain ? 1 : 0, m.dup ? 1 : 0, m.messageId, m.brokerId, m.brokerCounter];
}

export class SessionStatements {
  private readonly bySession: Statement<[string]>;
  private readonly insertSession: Statement<[string, number, number, number]>;
  private readonly deleteSession: Statement<[string]>;
  private readonly touch: Statement<[number, string]>;
  private readonly readDropped: Statement<[string]>;
  private readonly resetDropped: Statement<[string]>;
  private readonly countIn: Statement<[string]>;
  private readonly countDrops: Statement<[number, number, number]>;
  private readonly countOut: Statement<[number]>;
  private readonly subsOf: Statement<[string]>;
  private readonly upsertSub: Statement<[string, number, string | null, string]>;
  private readonly deleteSub: Statement<[string, string]>;
  private readonly allSubs: Statement<[]>;
  /** Filters that may match a topic by its first level; the second also those starting with a wildcard. */
  private readonly subsByPrefix: Statement<[string, string, string]>;
  private readonly subsByPrefixOrWildcard: Statement<[string, string, string]>;
  private readonly clientsByTopic: Statement<[string]>;
  private readonly countSubs: Statement<[]>;
  private readonly enqueueOne: Statement<unknown[]>;
  private readonly dropOldest: Statement<[number, number]>;
  private readonly queueOf: Statement<[string]>;
  private readonly setIdByOrigin: Statement<[number, string, string, number]>;
  private readonly replaceById: Statement<unknown[]>;
  private readonly deleteByMessageId: Statement<[string, number]>;
  private readonly expiredIds: Statement<[number]>;
  private readonly enqueueTx: Transaction<(items: Array<{ clientId: string; message: StoredMessage }>, max: number) => boolean[]>;
  private readonly putSubsTx: Transaction<(clientId: string, subs: StoredSub[]) => void>;
  private readonly removeSubsTx: Transaction<(clientId: string, topics: string[]) => void>;

  constructor(db: Db) {
    const sql: Database = db.$client;
    const session = `(SELECT id FROM mqtt_sessions WHERE client_id = ?)`;
    this.bySession = sql.prepare(
      `SELECT id, client_id AS clientId, user_id AS userId, last_seen AS lastSeen, queued, dropped FROM mqtt_sessions WHERE client_id = ?`,
    );
    this.insertSession = sql.prepare(`INSERT INTO mqtt_sessions (client_id, user_id, last_seen, created_at) VALUES (?, ?, ?, ?)`);
    this.deleteSession = sql.prepare(`DELETE FROM mqtt_sessions WHERE client_id = ?`);
    this.touch = sql.prepare(`UPDATE mqtt_sessions SET last_seen = ? WHERE client_id = ?`);
    this.readDropped = sql.prepare(`SELECT dropped FROM mqtt_sessions WHERE client_id = ?`).pluck();
    this.resetDropped = sql.prepare(`UPDATE mqtt_sessions SET dropped = 0 WHERE client_id = ? AND dropped > 0`);
    this.countIn = sql.prepare(`UPDATE mqtt_sessions SET queued = queued + 1 WHERE client_id = ? RETURNING id, queued`).raw(true);
    this.countDrops = sql.prepare(`UPDATE mqtt_sessions SET queued = queued - ?, dropped = dropped + ? WHERE id = ?`);
    this.countOut = sql.prepare(`UPDATE mqtt_sessions SET queued = queued - 1 WHERE id = ?`);
    this.subsOf = sql.prepare(`SELECT topic, qos, options FROM mqtt_session_subs WHERE session_id = ${session} ORDER BY rowid`);
    this.upsertSub = sql.prepare(
      `INSERT INTO mqtt_session_subs (session_id, topic, qos, options) SELECT id, ?, ?, ? FROM mqtt_sessions WHERE client_id = ?
       ON CONFLICT (session_id, topic) DO UPDATE SET qos = excluded.qos, options = excluded.options`,
    );
    this.deleteSub = sql.prepare(`DELETE FROM mqtt_session_subs WHERE session_id = ${session} AND topic = ?`);
    this.allSubs = sql.prepare(
      `SELECT s.client_id AS clientId, s.user_id AS userId, b.topic, b.qos FROM mqtt_sessions s JOIN mqtt_session_subs b ON b.session_id = s.id ORDER BY s.id, b.rowid`,
    );
    // Filters that may match a topic whose first level is L: L itself, `L/...`, and (unless the topic
    // starts with `$`, [MQTT-4.7.2-1]) those starting with `#` or `+`. Each arm is an index range.
    const arm = (where: string) =>
      `SELECT s.id AS sid, b.rowid AS bid, s.client_id AS clientId, b.topic, b.qos, b.options
       FROM mqtt_session_subs b JOIN mqtt_sessions s ON s.id = b.session_id WHERE ${where} AND b.qos > 0`;
    const byLevel = `${arm('b.topic = ?')} UNION ALL ${arm('b.topic >= ? AND b.topic < ?')}`;
    const wildcards = `${arm(`b.topic >= '#' AND b.topic < '$'`)} UNION ALL ${arm(`b.topic >= '+' AND b.topic < ','`)}`;
    this.subsByPrefix = sql.prepare(`SELECT clientId, topic, qos, options FROM (${byLevel}) ORDER BY sid, bid`);
    this.subsByPrefixOrWildcard = sql.prepare(
      `SELECT clientId, topic, qos, options FROM (${byLevel} UNION ALL ${wildcards}) ORDER BY sid, bid`,
    );
    this.clientsByTopic = sql
      .prepare(`SELECT s.client_id FROM mqtt_session_subs b JOIN mqtt_sessions s ON s.id = b.session_id WHERE b.topic = ? ORDER BY s.id`)
      .pluck();
    this.countSubs = sql.prepare(
      `SELECT (SELECT count(*) FROM mqtt_session_subs WHERE qos > 0) AS subs, (SELECT count(DISTINCT session_id) FROM mqtt_session_subs) AS clients`,
    );
    this.enqueueOne = sql.prepare(`INSERT INTO mqtt_session_queue (session_id, ${MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.dropOldest = sql.prepare(
      `DELETE FROM mqtt_session_queue WHERE id IN (SELECT id FROM mqtt_session_queue WHERE session_id = ? ORDER BY id LIMIT ?)`,
    );
    this.queueOf = sql.prepare(`SELECT ${MESSAGE_COLUMNS} FROM mqtt_session_queue WHERE session_id = ${session} ORDER BY id`).raw(true);
    this.setIdByOrigin = sql.prepare(
      `UPDATE mqtt_session_queue SET message_id = ?, dup = 1 WHERE id = (SELECT id FROM mqtt_session_queue WHERE session_id = ${session} AND broker_id = ? AND broker_counter = ? ORDER BY id LIMIT 1)`,
    );
    this.replaceById = sql.prepare(
      `UPDATE mqtt_session_queue SET cmd = ?, topic = ?, payload = ?, qos = ?, retain = ?, dup = ?, message_id = ?, broker_id = ?, broker_counter = ?
       WHERE id = (SELECT id FROM mqtt_session_queue WHERE session_id = ${session} AND message_id = ? ORDER BY id LIMIT 1)`,
    );
    this.deleteByMessageId = sql
      .prepare(
        `DELETE FROM mqtt_session_queue WHERE id = (SELECT id FROM mqtt_session_queue WHERE session_id = ${session} AND message_id = ? ORDER BY id LIMIT 1)
       RETURNING ${MESSAGE_COLUMNS}, session_id`,
      )
      .raw(true);
    this.expiredIds = sql.prepare(`SELECT client_id FROM mqtt_sessions WHERE last_seen < ?`).pluck();

    this.enqueueTx = sql.transaction((items: Array<{ clientId: string; message: StoredMessage }>, max: number) =>
      items.map(({ clientId, message: m }) => {
        const counted = this.countIn.get(clientId) as [number, number] | undefined;
        if (!counted) return false;
        const [sessionId, queued] = counted;
        this.enqueueOne.run(sessionId, ...messageParams(m));
        if (queued > max) {
          const dropped = this.dropOldest.run(sessionId, queued - max).changes;
          this.countDrops.run(dropped, dropped, sessionId);
        }
        return true;
      }),
    );
    this.putSubsTx = sql.transaction((clientId: string, subs: StoredSub[]) => {
      for (const s of subs) this.upsertSub.run(s.topic, s.qos, s.options, clientId);
    });
    this.removeSubsTx = sql.transaction((clientId: string, topics: string[]) => {
      for (const t of topics) this.deleteSub.run(clientId, t);
    });
  }

  session(clientId: string): StoredSession | undefined {
    return this.bySession.get(clientId) as StoredSession | undefined;
  }

  create(clientId: string, userId: number, now: number): void {
    this.insertSession.run(clientId, userId, now, now);
  }

  /** Deletes the session and, by cascade, its subscriptions and queue. */
  remove(clientId: string): boolean {
    return this.deleteSession.run(clientId).changes > 0;
  }

  seen(clientId: string, now: number): void {
    this.touch.run(now, clientId);
  }

  /** The count of dropped messages, reset to zero. */
  takeDropped(clientId: string): number {
    const n = (this.readDropped.get(clientId) as number | undefined) ?? 0;
    if (n > 0) this.resetDropped.run(clientId);
    return n;
  }

  subscriptions(clientId: string): StoredSub[] {
    return this.subsOf.all(clientId) as StoredSub[];
  }

  /** Adds or replaces subscriptions; nothing happens when the session does not exist. */
  putSubscriptions(clientId: string, subs: StoredSub[]): void {
    this.putSubsTx(clientId, subs);
  }

  removeSubscriptions(clientId: string, topics: string[]): void {
    this.removeSubsTx(clientId, topics);
  }

  /** Every stored subscription with its session, sessions in creation order. */
  everySubscription(): Array<{ clientId: string; userId: number; topic: string; qos: number }> {
    return this.allSubs.all() as Array<{ clientId: string; userId: number; topic: string; qos: number }>;
  }

  /** QoS 1+ subscriptions whose filter could match a topic with this first level (the caller matches exactly). */
  candidates(firstLevel: string, dollar: boolean): Array<{ clientId: string; topic: string; qos: number; options: string | null }> {
    const stmt = dollar ? this.subsByPrefix : this.subsByPrefixOrWildcard;
    return stmt.all(firstLevel, `${firstLevel}/`, `${firstLevel}0`) as Array<{
      clientId: string;
      topic: string;
      qos: number;
      options: string | null;
    }>;
  }

  /** Client ids of the sessions subscribed to exactly `topic`. */
  clientsSubscribedTo(topic: string): string[] {
    return this.clientsByTopic.all(topic) as string[];
  }

  countSubscriptions(): { subs: number; clients: number } {
    return this.countSubs.get() as { subs: number; clients: number };
  }

  /**
   * Appends messages to their sessions' queues in one transaction, each queue dropping its oldest
   * past `max` (counted in the session's `dropped`). Whether each was stored: not when its session
   * does not exist.
   */
  enqueue(items: Array<{ clientId: string; message: StoredMessage }>, max: number): boolean[] {
    return this.enqueueTx(items, max);
  }

  queue(clientId: string): StoredMessage[] {
    return (this.queueOf.all(clientId) as unknown[][]).map(message);
  }

  /** Records the packet identifier a queued message was sent with; false when it is not queued. */
  setMessageId(clientId: string, brokerId: string, brokerCounter: number, messageId: number): boolean {
    return this.setIdByOrigin.run(messageId, clientId, brokerId, brokerCounter).changes > 0;
  }

  /** Replaces the queued message sent with `messageId` (a QoS 2 PUBLISH by its PUBREL). */
  replace(clientId: string, messageId: number, m: StoredMessage): boolean {
    return this.replaceById.run(...messageParams(m), clientId, messageId).changes > 0;
  }

  /** Removes and returns the message sent with `messageId` (acknowledged). */
  acknowledge(clientId: string, messageId: number): StoredMessage | undefined {
    const r = this.deleteByMessageId.get(clientId, messageId) as unknown[] | undefined;
    if (r === undefined) return undefined;
    this.countOut.run(r[9] as number);
    return message(r);
  }

  /** Client ids of the sessions last seen before `before`. */
  seenBefore(before: number): string[] {
    return this.expiredIds.all(before) as string[];
  }
}
