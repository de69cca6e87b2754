import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';

/**
 * Persistent MQTT sessions (CONNECT with clean session 0): kept across disconnects and restarts until
 * a clean connect with the same client id discards them or they expire (core/sessions.ts).
 * A client id is one session on the whole broker, whoever logs in with it, so the subscriptions and
 * queued messages below hang off the session row (which carries the owner) rather than a user id:
 * a session taken over by another user is deleted with everything it held.
 */
export const mqttSessions = sqliteTable(
  'mqtt_sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    clientId: text('client_id').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** ms since the epoch of the last connect or disconnect; expiry counts from here. */
    lastSeen: integer('last_seen').notNull(),
    /** Rows in its queue, kept with every insert and delete so the bound costs no count. */
    queued: integer('queued').notNull().default(0),
    /** Queued messages dropped (queue full) since the client was last told. */
    dropped: integer('dropped').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('mqtt_sessions_client_idx').on(t.clientId),
    index('mqtt_sessions_user_idx').on(t.userId),
    index('mqtt_sessions_seen_idx').on(t.lastSeen),
  ],
);

export const mqttSessionSubs = sqliteTable(
  'mqtt_session_subs',
  {
    sessionId: integer('session_id')
      .notNull()
      .references(() => mqttSessions.id, { onDelete: 'cascade' }),
    /** The topic filter exactly as subscribed. */
    topic: text('topic').notNull(),
    /** The granted QoS. */
    qos: integer('qos').notNull(),
    /** Any other subscription options (MQTT 5 rh, rap, nl...) as JSON; null when none. */
    options: text('options'),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.topic] }), index('mqtt_session_subs_topic_idx').on(t.topic)],
);

/**
 * Messages owed to a session, in delivery order (id): queued while the client was away, or sent and
 * not yet acknowledged (message_id set). A PUBACK deletes the row.
 */
export const mqttSessionQueue = sqliteTable(
  'mqtt_session_queue',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: integer('session_id')
      .notNull()
      .references(() => mqttSessions.id, { onDelete: 'cascade' }),
    /** `publish`, or `pubrel` once a QoS 2 delivery got its PUBREC. */
    cmd: text('cmd').notNull(),
    topic: text('topic'),
    payload: blob('payload', { mode: 'buffer' }),
    qos: integer('qos').notNull().default(0),
    retain: integer('retain', { mode: 'boolean' }).notNull().default(false),
    dup: integer('dup', { mode: 'boolean' }).notNull().default(false),
    /** The packet identifier once the message was sent; null while it waits. */
    messageId: integer('message_id'),
    /** Which broker run made the packet and its counter there: the packet's identity before it has a message id. */
    brokerId: text('broker_id'),
    brokerCounter: integer('broker_counter'),
  },
  (t) => [index('mqtt_session_queue_session_idx').on(t.sessionId, t.id)],
);
