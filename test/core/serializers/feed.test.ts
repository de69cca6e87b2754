import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { feedJson } from '../../../src/core/serializers/feed.js';
import { groupJson } from '../../../src/core/serializers/group.js';
import { userJson } from '../../../src/core/serializers/user.js';
import type { FeedRow, GroupRow } from '../../../src/core/types.js';
import { FakeClock, makeCore, type TestCore } from '../../helpers.js';

let t: TestCore;
let clock: FakeClock;
let home: GroupRow;
let room: GroupRow;
let feed: FeedRow;

const MINUTE = 60_000;

beforeEach(() => {
  clock = new FakeClock();
  t = makeCore({ clock: clock.now });
  home = t.core.groups.defaultGroup(t.alice.user);
  room = t.core.groups.create(t.alice.user, { name: 'Room' });
  feed = t.core.feeds.create(t.alice.user, home, { name: 'Temp', status_timeout: 5 });
  t.core.data.create(t.alice.user, feed, [{ value: '21' }]);
  feed = t.core.feeds.resolve(t.alice.user, 'temp');
  // The serializers take `now` from their caller: the core's clock must not be what decides.
  clock.advance(365 * 24 * 60 * MINUTE);
});
afterEach(() => t.close());

describe('feedJson (pure: rows and now in, record out)', () => {
  it('has every field, in the hosted service order', () => {
    const receiver = t.core.webhooks.create(t.alice.user, feed, {}).receiver;
    const json = feedJson(t.alice.user, feed, { now: feed.lastValueAt!, groups: [room, home], receivers: [receiver] });
    expect(Object.keys(json)).toEqual([
      'username',
      'owner',
      'id',
      'name',
      'description',
      'license',
      'history',
      'enabled',
      'visibility',
      'unit_type',
      'unit_symbol',
      'last_value',
      'created_at',
      'updated_at',
      'status_notify',
      'status_timeout',
      'status',
      'key',
      'writable',
      'is_shared',
      'group',
      'groups',
      'feed_webhook_receivers',
      'feed_status_changes',
    ]);
    expect(json).toMatchObject({
      owner: { id: t.alice.user.id, username: 'alice' },
      last_value: '21',
      status: 'online',
      // The home group is the one the feed belongs to, wherever it is in the list.
      group: { id: home.id, key: 'default', name: 'Default', user_id: t.alice.user.id },
      groups: [
        { id: room.id, key: 'room', name: 'Room', user_id: t.alice.user.id },
        { id: home.id, key: 'default', name: 'Default', user_id: t.alice.user.id },
      ],
      feed_webhook_receivers: [
        { id: receiver.id, kind: 'data', feed_id: feed.id, created_at: '2027-01-15T12:00:00Z', updated_at: '2027-01-15T12:00:00Z' },
      ],
      feed_status_changes: [],
    });
  });

  it('is online until exactly status_timeout minutes after the last value, offline after', () => {
    const last = feed.lastValueAt!;
    expect(feedJson(t.alice.user, feed, { now: last + 5 * MINUTE }).status).toBe('online');
    expect(feedJson(t.alice.user, feed, { now: last + 5 * MINUTE + 1 }).status).toBe('offline');
    const empty = t.core.feeds.create(t.alice.user, home, { name: 'Empty' });
    expect(feedJson(t.alice.user, empty, { now: empty.createdAt }).status).toBe('offline');
  });

  it('without related rows: no group, no groups, no receivers', () => {
    expect(feedJson(t.alice.user, feed, { now: 0 })).toMatchObject({ group: null, groups: [], feed_webhook_receivers: [] });
  });
});

describe('groupJson and userJson', () => {
  it('a group record carries the feed records it is given, after its own fields', () => {
    const feeds = [feedJson(t.alice.user, feed, { now: 0, groups: [home] })];
    const json = groupJson(t.alice.user, home, feeds);
    expect(json).toEqual({
      username: 'alice',
      owner: { id: t.alice.user.id, username: 'alice' },
      id: home.id,
      key: 'default',
      name: 'Default',
      description: null,
      visibility: 'private',
      user_id: t.alice.user.id,
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
      feeds,
    });
    expect(Object.keys(json).at(-1)).toBe('feeds');
  });

  it('a user without a display name is shown by username', () => {
    expect(userJson(t.alice.user, 42)).toEqual({
      id: t.alice.user.id,
      name: 'alice',
      color: null,
      username: 'alice',
      role: 'user',
      default_group_id: 42,
      default_dashboard_id: null,
      time_zone: 'UTC',
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
    });
    expect(userJson({ ...t.alice.user, name: 'Alice A.' }, 42).name).toBe('Alice A.');
  });
});
