import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataEvent } from '../../src/core/events.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

/** A second connection to the same file, as the account command or a backup would open it. */
function otherConnection(t: TestCore) {
  const db = new Database(t.config.dbPath);
  db.pragma('busy_timeout = 0');
  return db;
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );

describe('group commit (core/write-queue.ts)', () => {
  let t: TestCore;
  afterEach(() => t?.close());

  it('emits data events only after the commit, and none for a write that was refused', async () => {
    t = makeCore();
    const seen: Array<{ value: string; committed: boolean }> = [];
    const probe = otherConnection(t);
    t.core.events.on('data', (e: DataEvent) => {
      // Read through another connection: the point must already be visible there.
      const row = probe.prepare('SELECT value FROM data WHERE id = ?').get(e.datum.id) as { value: string } | undefined;
      seen.push({ value: e.datum.value, committed: row !== undefined });
    });
    const good = t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }]));
    const bad = t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'other', [{ value: 'x'.repeat(2000) }]));
    const good2 = t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '2' }]));
    expect((await settle(good)).ok).toBe(true);
    expect((await settle(bad)).ok).toBe(false);
    expect((await settle(good2)).ok).toBe(true);
    expect(seen).toEqual([
      { value: '1', committed: true },
      { value: '2', committed: true },
    ]);
    // The refused write made no feed.
    expect(t.core.feeds.find(t.alice.user, 'other')).toBeUndefined();
    probe.close();
  });

  it('a write refused inside its savepoint leaves nothing behind, the others of its batch are stored', async () => {
    t = makeCore();
    const group = t.core.groups.create(t.alice.user, { name: 'room' });
    const results = await Promise.all([
      settle(t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'a', [{ value: '1' }]))),
      // Makes feed room.new, then fails: the feed must go with the savepoint.
      settle(
        t.core.data.soon(() => {
          t.core.data.createInGroupFeed(t.alice.user, group, 'new', [{ value: '1' }]);
          throw new Error('refused after the feed was made');
        }),
      ),
      settle(
        t.core.data.soon(() =>
          t.core.data.createInGroupOrAutoCreate(t.alice.user, 'brandnew', [{ key: 'x', datum: { value: 'y'.repeat(5000) } }]),
        ),
      ),
      settle(t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'b', [{ value: '2' }]))),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(t.core.feeds.find(t.alice.user, 'room.new')).toBeUndefined();
    expect(t.core.groups.find(t.alice.user, 'brandnew')).toBeUndefined();
    expect(t.core.feeds.find(t.alice.user, 'a')?.dataCount).toBe(1);
    expect(t.core.feeds.find(t.alice.user, 'b')?.dataCount).toBe(1);
  });

  it('waits out a database another connection holds locked, then stores everything in order', async () => {
    t = makeCore();
    const other = otherConnection(t);
    other.prepare('BEGIN IMMEDIATE').run();
    const events: string[] = [];
    t.core.events.on('data', (e) => events.push(e.datum.value));
    const writes = ['1', '2', '3'].map((v) => t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: v }])));
    // Let the queue meet the lock and retry a few times.
    await new Promise((r) => setTimeout(r, 60));
    expect(t.core.ctx.writes.pending).toBe(3);
    expect(events).toEqual([]);
    const late = t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '4' }]));
    other.prepare('COMMIT').run();
    await Promise.all([...writes, late]);
    expect(events).toEqual(['1', '2', '3', '4']);
    const { rows } = t.core.data.page(t.core.feeds.find(t.alice.user, 'temp')!, { limit: 10 });
    expect(rows.map((r) => r.value)).toEqual(['4', '3', '2', '1']);
    other.close();
  });

  it('gives up after AIO_DB_BUSY_TIMEOUT_MS with a 503 that says to retry, storing and announcing nothing', async () => {
    const clock = new FakeClock();
    t = makeCore({ clock: clock.now, config: { dbBusyWaitMs: 2000 } });
    const other = otherConnection(t);
    other.prepare('BEGIN IMMEDIATE').run();
    const events: string[] = [];
    t.core.events.on('data', (e) => events.push(e.datum.value));
    const write = settle(t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }])));
    await new Promise((r) => setTimeout(r, 30));
    clock.advance(2000);
    const r = await write;
    expect(r.ok).toBe(false);
    expect(r.ok === false && r.e).toMatchObject({ status: 503, retryAfter: 1 });
    other.prepare('ROLLBACK').run();
    other.close();
    expect(events).toEqual([]);
    expect(t.core.feeds.find(t.alice.user, 'temp')).toBeUndefined();
  });

  it('an activity event waits for the commit of the group it was made in', async () => {
    t = makeCore();
    const activities: string[] = [];
    t.core.events.on('activity', (e) => activities.push(`${e.action} ${e.model}`));
    await settle(
      t.core.data.soon(() => {
        t.core.data.createOrAutoCreate(t.alice.user, 'x', [{ value: '1' }]);
        expect(activities).toEqual([]);
      }),
    );
    expect(activities).toEqual(['create Feed']);
  });

  it('a failing listener does not fail the write; it is reported as an error event', async () => {
    t = makeCore();
    const errors: string[] = [];
    t.core.events.on('error', (e) => errors.push(e.source));
    t.core.events.on('data', () => {
      throw new Error('listener bug');
    });
    const r = await settle(t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }])));
    expect(r.ok).toBe(true);
    expect(errors).toEqual(['data listener']);
  });
});

// A batch reads each feed it writes to once (core/data.ts findFeed): what it keeps must never outlive
// the transaction, nor a part of it that was rolled back.
describe('feeds read once per group commit (core/data.ts findFeed)', () => {
  let t: TestCore;
  afterEach(() => t?.close());

  const write = (value: string, key = 'temp') => t.core.data.soon(() => t.core.data.createOrAutoCreate(t.alice.user, key, [{ value }]));

  it('a write rolled back after storing leaves no trace in the feed the next write of its batch sees', async () => {
    t = makeCore();
    await write('0');
    const events: DataEvent[] = [];
    t.core.events.on('data', (e) => events.push(e));
    const results = await Promise.all([
      settle(write('1')),
      settle(
        t.core.data.soon(() => {
          t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: 'rolled back' }]);
          throw new Error('refused after storing');
        }),
      ),
      settle(write('3')),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(events.map((e) => e.datum.value)).toEqual(['1', '3']);
    const last = events[1]!.feed;
    expect(last.lastValue).toBe('3');
    expect(last.dataCount).toBe(3);
    expect(t.core.feeds.find(t.alice.user, 'temp')?.dataCount).toBe(3);
  });

  it('one batch shares the feed it writes to, and its count follows every point', async () => {
    t = makeCore();
    const events: DataEvent[] = [];
    t.core.events.on('data', (e) => events.push(e));
    await Promise.all(['1', '2', '3'].map((v) => write(v)));
    expect(events.map((e) => e.datum.value)).toEqual(['1', '2', '3']);
    expect(new Set(events.map((e) => e.feed.id)).size).toBe(1);
    expect(t.core.feeds.find(t.alice.user, 'temp')).toMatchObject({ dataCount: 3, lastValue: '3' });
  });

  it('the next batch sees a feed changed in between: a new key, then disabled', async () => {
    t = makeCore();
    const first = await write('1');
    expect(t.core.feeds.update(t.alice.user, first.feed, { name: 'Renamed', key: 'renamed' }).key).toBe('renamed');
    // The old key (and name) names no feed any more: a write to it makes a new one.
    const again = await write('2');
    expect(again.feed.id).not.toBe(first.feed.id);
    expect(again.feed.key).toBe('temp');
    const renamed = await write('3', 'renamed');
    expect(renamed.feed.id).toBe(first.feed.id);
    t.core.feeds.update(t.alice.user, renamed.feed, { enabled: false });
    const refused = await settle(write('4', 'renamed'));
    expect(refused.ok).toBe(false);
    expect(String(!refused.ok && refused.e)).toContain('disabled');
  });
});
