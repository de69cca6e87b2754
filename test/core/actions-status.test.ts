import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core } from '../../src/core/core.js';
import type { Fields } from '../../src/core/feeds.js';
import type { FeedRow } from '../../src/core/types.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

const MIN = 60_000;

let t: TestCore;
let clock: FakeClock;
beforeEach(() => {
  clock = new FakeClock();
  t = makeCore({ clock: clock.now });
});
afterEach(() => t.close());

const feed = (name: string, fields: Fields = {}) =>
  t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name, ...fields });
const values = (f: FeedRow) =>
  t.core.data
    .page(f, { limit: 100 })
    .rows.map((r) => r.value)
    .reverse();
const json = (f: FeedRow, core = t.core) => core.feedsJson(t.alice.user, [core.feeds.byIdFor(t.alice.user, f.id)!])[0]!;

async function write(f: FeedRow, value: string, core = t.core) {
  await core.data.soon(() => core.data.create(t.alice.user, core.feeds.byIdFor(t.alice.user, f.id)!, [{ value }]));
  await core.actions.settled();
}

async function tick(core = t.core) {
  core.actions.tick();
  await core.actions.settled();
}

describe('feed status (status_notify + status_timeout)', () => {
  it('turns offline once status_timeout minutes pass without data, and online again at the next point', async () => {
    const temp = feed('Temp', { status_notify: true, status_timeout: 5 });
    await write(temp, '20');
    const first = {
      created_at: '2026-01-15T12:00:00Z',
      from_status: 'offline',
      to_status: 'online',
      email_sent: false,
      email_sent_to: null,
    };
    clock.advance(5 * MIN);
    await tick();
    expect(json(temp)).toMatchObject({ status: 'online', feed_status_changes: [first] });
    clock.advance(1_000);
    await tick();
    const quiet = {
      created_at: '2026-01-15T12:05:01Z',
      from_status: 'online',
      to_status: 'offline',
      email_sent: false,
      email_sent_to: null,
    };
    expect(json(temp)).toMatchObject({ status: 'offline', feed_status_changes: [quiet, first] });
    clock.advance(30 * MIN);
    await tick();
    expect(json(temp).feed_status_changes).toHaveLength(2);
    await write(temp, '21');
    expect(json(temp)).toMatchObject({ status: 'online' });
    expect(json(temp).feed_status_changes).toEqual([
      { created_at: '2026-01-15T12:35:01Z', from_status: 'offline', to_status: 'online', email_sent: false, email_sent_to: null },
      quiet,
      first,
    ]);
  });

  it('a feed that never had data is offline from the start; its first point records the flip online', async () => {
    const temp = feed('Temp', { status_notify: true, status_timeout: 1 });
    clock.advance(10 * MIN);
    await tick();
    expect(json(temp)).toMatchObject({ status: 'offline', feed_status_changes: [] });
    await write(temp, '1');
    expect(json(temp).feed_status_changes).toMatchObject([{ from_status: 'offline', to_status: 'online' }]);
  });

  it('is not watched without status_notify or a timer action, and stops being watched when it is turned off', async () => {
    const plain = feed('Plain', { status_timeout: 1 });
    const notified = feed('Notified', { status_notify: true, status_timeout: 1 });
    await write(plain, '1');
    await write(notified, '1');
    expect(json(notified).feed_status_changes).toMatchObject([{ to_status: 'online' }]);
    t.core.feeds.update(t.alice.user, t.core.feeds.byIdFor(t.alice.user, notified.id)!, { status_notify: false });
    clock.advance(2 * MIN);
    await tick();
    expect(json(plain).feed_status_changes).toEqual([]);
    expect(json(notified).feed_status_changes).toMatchObject([{ to_status: 'online' }]);
    expect(json(plain).status).toBe('offline');
  });

  it('follows a new status_timeout at once', async () => {
    const temp = feed('Temp', { status_notify: true, status_timeout: 60 });
    await write(temp, '1');
    t.core.feeds.update(t.alice.user, t.core.feeds.byIdFor(t.alice.user, temp.id)!, { status_timeout: 2 });
    clock.advance(2 * MIN + 1);
    await tick();
    expect(json(temp).feed_status_changes).toMatchObject([{ to_status: 'offline' }, { to_status: 'online' }]);
  });

  it('keeps only the newest 20 changes of a feed', async () => {
    const temp = feed('Temp', { status_notify: true, status_timeout: 1 });
    for (let i = 0; i < 15; i++) {
      await write(temp, String(i));
      clock.advance(2 * MIN);
      await tick();
    }
    const changes = json(temp).feed_status_changes as Array<{ to_status: string }>;
    expect(changes).toHaveLength(20);
    expect(changes[0]!.to_status).toBe('offline');
  });

  it('continues across a restart from the status last recorded', async () => {
    const temp = feed('Temp', { status_notify: true, status_timeout: 5 });
    await write(temp, '1');
    clock.advance(6 * MIN);
    await tick();
    const db = openDb(t.config.dbPath, { busyTimeoutMs: 0 });
    const again = new Core(db, t.config, clock.now);
    try {
      await tick(again);
      expect(json(temp, again).feed_status_changes).toHaveLength(2);
      await write(temp, '2', again);
      expect(json(temp, again).feed_status_changes).toMatchObject([
        { to_status: 'online' },
        { to_status: 'offline' },
        { to_status: 'online' },
      ]);
    } finally {
      again.stop();
      closeDb(db);
    }
  });
});

describe('timer actions', () => {
  it('fire when their feed goes offline (the value sent is the new status), and not again until it has come back', async () => {
    const sensor = feed('Sensor', { status_timeout: 3 });
    const alarm = feed('Alarm');
    const a = t.core.actions.create(t.alice.user, { trigger_type: 'timer', feed_id: sensor.id, action: 'feed', action_feed_id: alarm.id });
    expect(a.operator).toBe('offline');
    await write(sensor, 'ok');
    clock.advance(3 * MIN);
    await tick();
    expect(values(alarm)).toEqual([]);
    clock.advance(MIN);
    await tick();
    expect(values(alarm)).toEqual(['offline']);
    clock.advance(MIN);
    await tick();
    expect(values(alarm)).toEqual(['offline']);
    // The watch came from the action: status_notify stays off.
    expect(json(sensor)).toMatchObject({ status_notify: false, status: 'offline' });
  });

  it('`online` fires when the feed comes back, `change` both ways, each with its own action_value', async () => {
    const sensor = feed('Sensor', { status_timeout: 1 });
    const log = feed('Log');
    t.core.actions.create(t.alice.user, {
      trigger_type: 'timer',
      feed_id: sensor.id,
      operator: 'online',
      action: 'feed',
      action_feed_id: log.id,
      action_value: 'back',
    });
    t.core.actions.create(t.alice.user, {
      trigger_type: 'timer',
      feed_id: sensor.id,
      operator: 'change',
      action: 'feed',
      action_feed_id: log.id,
    });
    await write(sensor, '1'); // offline (never written) → online
    clock.advance(2 * MIN);
    await tick();
    clock.advance(10_000); // past the cooldown
    await write(sensor, '2');
    expect(values(log)).toEqual(['back', 'online', 'offline', 'back', 'online']);
  });

  it('stop watching the feed when deleted (a feed without status_notify)', async () => {
    const sensor = feed('Sensor', { status_timeout: 1 });
    const alarm = feed('Alarm');
    const a = t.core.actions.create(t.alice.user, { trigger_type: 'timer', feed_id: sensor.id, action: 'feed', action_feed_id: alarm.id });
    await write(sensor, '1');
    t.core.actions.delete(t.alice.user, a);
    clock.advance(5 * MIN);
    await tick();
    expect(json(sensor).feed_status_changes).toMatchObject([{ to_status: 'online' }]);
    expect(values(alarm)).toEqual([]);
  });
});
