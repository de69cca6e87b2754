/**
 * Benchmark databases: the account `bench`, its feed `bench` and N points spread evenly over the ten
 * days before now, written through the core in batches of 10,000 points (one transaction each, chart
 * rollups kept as usual), on a file with the server's own pragmas and migrations.
 */
import { copyFileSync } from 'node:fs';
import { loadConfig } from '../../src/config.js';
import { Core } from '../../src/core/core.js';
import type { DatumInput } from '../../src/core/data.js';
import { encodeCursor } from '../../src/http/pagination.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { KEY, USER } from './common.js';

export interface Seeded {
  path: string;
  userId: number;
  feedId: number;
  points: number;
  /** Ids and the `before` token of the page that starts `deepOffset` points from the newest. */
  deep?: { offset: number; beforeId: string; token: string };
  seconds: number;
}

const DAY = 86_400_000;

export function seedDb(path: string, points: number, deepOffset?: number): Seeded {
  const t0 = performance.now();
  const config = { ...loadConfig({}), dbPath: path, logLevel: 'silent', rateLimit: 0, retentionDays: 0 };
  const db = openDb(path);
  const core = new Core(db, config);
  try {
    const { user } = core.accounts.add(USER, KEY);
    const feed = core.feeds.create(user, core.groups.defaultGroup(user), { name: 'bench' });
    const end = Date.now() - 60_000;
    const step = points > 0 ? (10 * DAY) / points : 0;
    for (let i = 0; i < points; ) {
      const n = Math.min(10_000, points - i);
      const batch: DatumInput[] = new Array(n);
      for (let j = 0; j < n; j++, i++) {
        batch[j] = { value: (20 + 5 * Math.sin(i / 1000) + (i % 7) / 10).toFixed(2), createdAt: Math.floor(end - 10 * DAY + i * step) };
      }
      core.data.create(user, feed, batch);
    }
    let deep: Seeded['deep'];
    if (deepOffset !== undefined) {
      const row = db.$client
        .prepare('SELECT id FROM data WHERE feed_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?')
        .get(feed.id, deepOffset - 1) as { id: string };
      deep = { offset: deepOffset, beforeId: row.id, token: encodeCursor(row.id, feed.id) };
    }
    return { path, userId: user.id, feedId: feed.id, points, deep, seconds: (performance.now() - t0) / 1000 };
  } finally {
    core.stop();
    closeDb(db); // checkpoints the WAL into the file, so a plain copy is the whole database
  }
}

/** A fresh copy of a seeded database for one server process. */
export function copyDb(seeded: Seeded, to: string): Seeded {
  copyFileSync(seeded.path, to);
  return { ...seeded, path: to };
}

/**
 * Adds `count` feeds `<prefix>0` … to the account `bench` of a seeded database (the devices of
 * many-devices and fleet): the first through the core like any other feed, the others as copies of its
 * rows (the feed and its home-group membership) in one INSERT … SELECT each, since 18,000 creates one by
 * one take 15 s. Returns the seconds it took.
 */
export function seedFeeds(path: string, prefix: string, count: number): number {
  const t0 = performance.now();
  const config = { ...loadConfig({}), dbPath: path, logLevel: 'silent', rateLimit: 0, retentionDays: 0 };
  const db = openDb(path);
  const core = new Core(db, config);
  try {
    const owner = core.accounts.find(USER);
    if (!owner) throw new Error(`seedFeeds: no account ${USER} in ${path}`);
    const first = core.feeds.create(owner, core.groups.defaultGroup(owner), { name: `${prefix}0` });
    if (first.key !== `${prefix}0`) throw new Error(`seedFeeds: feed ${prefix}0 exists already`);
    const sql = db.$client;
    sql.transaction(() => {
      sql
        .prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO feeds (user_id, group_id, key, name, created_at, updated_at)
           SELECT f.user_id, f.group_id, ? || n.i, ? || n.i, f.created_at, f.updated_at FROM feeds f, n WHERE f.id = ?`,
        )
        .run(count - 1, prefix, prefix, first.id);
      sql
        .prepare('INSERT INTO group_feeds (group_id, feed_id) SELECT group_id, id FROM feeds WHERE user_id = ? AND id > ?')
        .run(owner.id, first.id);
    })();
    return (performance.now() - t0) / 1000;
  } finally {
    core.stop();
    closeDb(db);
  }
}
