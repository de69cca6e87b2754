/**
 * The bare HTTP baseline: Fastify (no logger, no hooks, no auth) and better-sqlite3 with the server's
 * pragmas (WAL, synchronous=NORMAL, foreign keys), on a copy of the same database and schema.
 *   POST /ingest    one prepared INSERT of the same row our POST stores, the row back as JSON
 *   GET  /last      prepared SELECT … ORDER BY id DESC LIMIT 1, as JSON
 *   GET  /page      the same 1000 rows as ours by the (feed_id, id) index (`?before=<id>` for a deep page), as JSON
 * Environment: BENCH_DB, BENCH_FEED_ID, BENCH_USER_ID.
 */
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { parent } from '../lib/procs.js';

interface Row {
  id: string;
  feed_id: number;
  value: string;
  lat: number | null;
  lon: number | null;
  ele: number | null;
  created_at: number;
}

try {
  const db = new Database(process.env.BENCH_DB!);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -32000');
  const feedId = Number(process.env.BENCH_FEED_ID);
  const userId = Number(process.env.BENCH_USER_ID);
  const cols = 'id, feed_id, value, lat, lon, ele, created_at';
  const insert = db.prepare(
    'INSERT INTO data (id, feed_id, user_id, value, lat, lon, ele, created_at, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, NULL, ?, ?)',
  );
  const last = db.prepare<[number], Row>(`SELECT ${cols} FROM data WHERE feed_id = ? ORDER BY id DESC LIMIT 1`);
  const page = db.prepare<[number, string], Row>(`SELECT ${cols} FROM data WHERE feed_id = ? AND id < ? ORDER BY id DESC LIMIT 1000`);

  // Unique, time-ordered ids of the same length as ours (appended at the end of the index, like ours).
  let seq = 0;
  const nextId = (now: number) => String(now).padStart(13, '0') + String(seq++).padStart(13, '0');

  const app = Fastify();
  app.post('/ingest', async (req) => {
    const value = String((req.body as { value?: unknown }).value);
    const now = Date.now();
    const id = nextId(now);
    insert.run(id, feedId, userId, value, now, now);
    return { id, value, feed_id: feedId, created_at: now };
  });
  app.get('/last', async () => last.get(feedId));
  app.get('/page', async (req) => page.all(feedId, (req.query as { before?: string }).before ?? '~'));

  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  parent.onStop(async () => {
    await app.close();
    db.close();
  });
  parent.send({ type: 'ready', http: typeof addr === 'object' && addr ? addr.port : 0 });
} catch (err) {
  parent.fail(err);
}
