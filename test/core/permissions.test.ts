// Sharing rules (core/permissions.ts): three accounts, alice owns, bob is given things, carol is given
// nothing. What a permission reaches, what it does not, and that visibility and the public permission
// are one thing.
import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AioError } from '../../src/core/errors.js';
import type { SharingEvent } from '../../src/core/events.js';
import type { ObjectRef } from '../../src/core/permissions.js';
import type { FeedRow, UserRow } from '../../src/core/types.js';
import { permissions } from '../../src/db/schema.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

let t: TestCore;
let clock: FakeClock;
let carol: UserRow;
let temp: FeedRow;
let tempRef: ObjectRef;
beforeEach(() => {
  clock = new FakeClock();
  t = makeCore({ clock: clock.now });
  carol = t.core.accounts.add('carol', 'carol-key-0123456789').user;
  temp = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'Temp' });
  tempRef = { model: 'feed', id: temp.id };
});
afterEach(() => t.close());

const alice = () => t.alice.user;
const bob = () => t.bob.user;

function status(fn: () => unknown): number | string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return `${e.status} ${e.message}`;
    throw e;
  }
  return 'no error';
}

const share = (input: Record<string, unknown>, ref: ObjectRef = tempRef) => t.core.permissions.create(alice(), ref, input);
const grant = (who: UserRow | null, feed: FeedRow = temp) =>
  t.core.permissions.feedGrant(who, alice(), t.core.feeds.byIdFor(alice(), feed.id)!);
const feedVisibility = (feed: FeedRow = temp) => t.core.feeds.byIdFor(alice(), feed.id)!.visibility;
const permissionRows = () => t.db.select({ n: count() }).from(permissions).get()!.n;

describe('permissions: records and defaults', () => {
  it('defaults to mode r, scope public: anyone reads, nobody writes, and the feed becomes public', () => {
    const row = share({});
    expect(t.core.permissions.json(row)).toEqual({
      id: row.id,
      user_id: alice().id,
      scope: 'public',
      scope_value: null,
      mode: 'r',
      model: 'feed',
      object_id: temp.id,
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
    });
    expect(feedVisibility()).toBe('public');
    for (const who of [null, bob(), carol]) expect(grant(who)).toEqual({ read: true, write: false });
    expect(grant(alice())).toEqual({ read: true, write: true });
  });

  it('scope user gives that account alone r, w or rw', () => {
    const row = share({ scope: 'user', scope_value: 'bob', mode: 'w' });
    expect(t.core.permissions.json(row)).toMatchObject({ scope: 'user', scope_value: 'bob', mode: 'w' });
    expect(grant(bob())).toEqual({ read: false, write: true });
    expect(grant(carol)).toEqual({ read: false, write: false });
    expect(grant(null)).toEqual({ read: false, write: false });
    expect(feedVisibility()).toBe('private');
    t.core.permissions.update(alice(), tempRef, row, { mode: 'rw' });
    expect(grant(bob())).toEqual({ read: true, write: true });
    t.core.permissions.update(alice(), tempRef, t.core.permissions.resolve(alice(), tempRef, String(row.id)), { mode: 'r' });
    expect(grant(bob())).toEqual({ read: true, write: false });
  });

  it('update changes only what is sent and keeps the grantee; changing scope to public drops it', () => {
    const row = share({ scope: 'user', scope_value: 'bob', mode: 'rw' });
    clock.advance(2000);
    const updated = t.core.permissions.update(alice(), tempRef, row, { mode: 'r' });
    expect(t.core.permissions.json(updated)).toMatchObject({
      scope: 'user',
      scope_value: 'bob',
      mode: 'r',
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:02Z',
    });
    const made = t.core.permissions.update(alice(), tempRef, updated, { scope: 'public' });
    expect(t.core.permissions.json(made)).toMatchObject({ scope: 'public', scope_value: null, mode: 'r' });
    expect(feedVisibility()).toBe('public');
    expect(grant(carol).read).toBe(true);
  });

  it('refuses bad input with a 422 and stores nothing', () => {
    share({ scope: 'user', scope_value: 'bob' });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ mode: 'x' }, /Mode must be "r", "w" or "rw"/],
      [{ scope: 'everyone' }, /Scope must be "public" or "user"/],
      [{ scope: 'secret' }, /scope "secret" is not supported/],
      [{ scope: 'organization', scope_value: 'acme' }, /scope "organization" is not supported/],
      [{ scope: 'public', mode: 'rw' }, /a public feed can only be read/],
      [{ scope: 'public', mode: 'w' }, /a public feed can only be read/],
      [{ scope: 'user' }, /Scope value can't be blank/],
      [{ scope: 'user', scope_value: 'nobody' }, /there is no "nobody"/],
      [{ scope: 'user', scope_value: 'alice' }, /must be another account/],
      [{ scope: 'user', scope_value: 'bob', mode: 'rw' }, /is shared with bob already/],
    ];
    for (const [input, text] of cases)
      expect(
        status(() => share(input)),
        JSON.stringify(input),
      ).toMatch(new RegExp(`^422 .*${text.source}`));
    share({});
    expect(status(() => share({ scope: 'public' }))).toMatch(/^422 .*is public already/);
    expect(permissionRows()).toBe(2);
  });

  it('an unknown permission id, or one on another object, is a 404', () => {
    const other = t.core.feeds.create(alice(), t.core.groups.defaultGroup(alice()), { name: 'Other' });
    const row = share({});
    expect(status(() => t.core.permissions.resolve(alice(), { model: 'feed', id: other.id }, String(row.id)))).toMatch(/^404 /);
    expect(status(() => t.core.permissions.resolve(alice(), tempRef, '999'))).toMatch(/^404 /);
    expect(status(() => t.core.permissions.resolve(alice(), tempRef, 'abc'))).toMatch(/^404 /);
    expect(status(() => t.core.permissions.object(alice(), 'feed', 'nope'))).toMatch(/^404 not found - .*'nope' belonging to alice/);
    // bob's namespace never finds alice's feed
    expect(status(() => t.core.permissions.object(bob(), 'feed', String(temp.id)))).toMatch(/^404 /);
  });

  it('records activities with model Permission', () => {
    const row = share({ scope: 'user', scope_value: 'bob' });
    t.core.permissions.delete(alice(), tempRef, row);
    const acts = t.core.activities.page(alice(), { model: 'Permission', limit: 10 }).rows;
    expect(acts.map((a) => a.action)).toEqual(['delete', 'create']);
    expect(JSON.parse(acts[0]!.data)).toMatchObject({ id: row.id, scope: 'user', scope_value: 'bob', model: 'feed', object_id: temp.id });
  });
});

describe('permissions: visibility and the public permission are one thing', () => {
  it('setting visibility public makes the public permission, private removes it', () => {
    t.core.feeds.update(alice(), temp, { visibility: 'public' });
    expect(t.core.permissions.list(alice(), tempRef).map((p) => [p.scope, p.mode])).toEqual([['public', 'r']]);
    expect(grant(null).read).toBe(true);
    t.core.feeds.update(alice(), temp, { visibility: 'public' });
    expect(t.core.permissions.list(alice(), tempRef)).toHaveLength(1);
    t.core.feeds.update(alice(), temp, { visibility: 'Private' });
    expect(t.core.permissions.list(alice(), tempRef)).toEqual([]);
    expect(grant(null).read).toBe(false);
  });

  it('a feed, group or dashboard created public has its permission; deleting that permission makes it private', () => {
    const feed = t.core.feeds.create(alice(), t.core.groups.defaultGroup(alice()), { name: 'Open', visibility: 'public' });
    const group = t.core.groups.create(alice(), { name: 'Room', visibility: 'public' });
    const dash = t.core.dashboards.create(alice(), { name: 'Board', visibility: 'public' });
    for (const ref of [
      { model: 'feed', id: feed.id },
      { model: 'group', id: group.id },
      { model: 'dashboard', id: dash.id },
    ] as const) {
      const [row] = t.core.permissions.list(alice(), ref);
      expect(row, ref.model).toMatchObject({ scope: 'public', mode: 'r' });
      t.core.permissions.delete(alice(), ref, row!);
    }
    expect(t.core.feeds.byIdFor(alice(), feed.id)!.visibility).toBe('private');
    expect(t.core.groups.find(alice(), 'room')!.visibility).toBe('private');
    expect(t.core.dashboards.find(alice(), 'board')!.visibility).toBe('private');
  });

  it('group and dashboard updates keep it too', () => {
    const group = t.core.groups.create(alice(), { name: 'Room' });
    const dash = t.core.dashboards.create(alice(), { name: 'Board' });
    t.core.groups.update(alice(), group, { visibility: 'public' });
    t.core.dashboards.update(alice(), dash, { visibility: 'public' });
    expect(t.core.permissions.list(alice(), { model: 'group', id: group.id })).toHaveLength(1);
    expect(t.core.permissions.list(alice(), { model: 'dashboard', id: dash.id })).toHaveLength(1);
    t.core.groups.update(alice(), t.core.groups.find(alice(), 'room')!, { visibility: 'private' });
    expect(t.core.permissions.list(alice(), { model: 'group', id: group.id })).toEqual([]);
  });
});

describe('permissions: what groups and dashboards reach', () => {
  it('a group permission reaches the feeds in the group, and stops with their membership', () => {
    const group = t.core.groups.create(alice(), { name: 'Room' });
    t.core.groups.addFeed(alice(), group, 'temp');
    share({ scope: 'user', scope_value: 'bob', mode: 'rw' }, { model: 'group', id: group.id });
    expect(grant(bob())).toEqual({ read: true, write: true });
    expect(grant(carol)).toEqual({ read: false, write: false });
    expect(t.core.permissions.objectGrant(bob(), alice(), { model: 'group', id: group.id })).toEqual({ read: true, write: true });
    t.core.groups.removeFeed(alice(), group, 'temp');
    expect(grant(bob())).toEqual({ read: false, write: false });
  });

  it('a dashboard permission reaches the feeds its blocks show, and stops with the block', () => {
    const dash = t.core.dashboards.create(alice(), { name: 'Board' });
    const block = t.core.blocks.create(alice(), dash, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temp' }] });
    share({}, { model: 'dashboard', id: dash.id });
    expect(grant(null)).toEqual({ read: true, write: false });
    expect(t.core.permissions.allows(null, alice(), { model: 'dashboard', ident: 'board' }, 'read')).toBe(true);
    t.core.blocks.delete(block);
    expect(grant(null).read).toBe(false);
  });

  it('allows() is false alike for what is missing and what is not shared', () => {
    share({ scope: 'user', scope_value: 'bob' });
    const allows = (who: UserRow | null, ident: string, access: 'read' | 'write') =>
      t.core.permissions.allows(who, alice(), { model: 'feed', ident }, access);
    expect(allows(bob(), 'temp', 'read')).toBe(true);
    expect(allows(bob(), String(temp.id), 'read')).toBe(true);
    expect(allows(bob(), 'Temp', 'read')).toBe(true);
    expect(allows(bob(), 'temp', 'write')).toBe(false);
    expect(allows(carol, 'temp', 'read')).toBe(false);
    expect(allows(bob(), 'missing', 'read')).toBe(false);
    expect(t.core.permissions.allows(bob(), alice(), { list: 'feed' }, 'read')).toBe(true);
    expect(t.core.permissions.allows(carol, alice(), { list: 'feed' }, 'read')).toBe(false);
    expect(t.core.permissions.allows(bob(), alice(), { list: 'group' }, 'read')).toBe(false);
    expect(t.core.permissions.allows(bob(), alice(), { list: 'feed' }, 'write')).toBe(false);
  });

  it('readable() keeps what the reader may read; sharedFeedIds whatever anyone may', () => {
    const other = t.core.feeds.create(alice(), t.core.groups.defaultGroup(alice()), { name: 'Other' });
    share({ scope: 'user', scope_value: 'bob' });
    const all = t.core.feeds.list(alice());
    expect(t.core.permissions.readable(bob(), alice(), 'feed', all).map((f) => f.key)).toEqual(['temp']);
    expect(t.core.permissions.readable(carol, alice(), 'feed', all)).toEqual([]);
    expect(t.core.permissions.readable(null, alice(), 'feed', all)).toEqual([]);
    expect(t.core.permissions.readable(alice(), alice(), 'feed', all)).toHaveLength(2);
    expect([...t.core.permissions.sharedFeedIds(alice())]).toEqual([temp.id]);
    expect(t.core.permissions.sharedWith(alice(), temp)).toEqual([{ username: 'bob', mode: 'r', scope: 'user' }]);
    expect(t.core.permissions.sharedWith(alice(), other)).toEqual([]);
  });
});

describe('permissions: deletes', () => {
  it('deleting a feed, group, dashboard or the grantee deletes the permissions on it', () => {
    const group = t.core.groups.create(alice(), { name: 'Room' });
    const dash = t.core.dashboards.create(alice(), { name: 'Board' });
    share({ scope: 'user', scope_value: 'bob' });
    share({ scope: 'user', scope_value: 'carol' });
    share({}, { model: 'group', id: group.id });
    share({ scope: 'user', scope_value: 'bob' }, { model: 'dashboard', id: dash.id });
    expect(permissionRows()).toBe(4);
    t.core.feeds.delete(alice(), temp);
    expect(permissionRows()).toBe(2);
    t.core.groups.delete(alice(), group);
    expect(permissionRows()).toBe(1);
    t.core.dashboards.delete(dash);
    expect(permissionRows()).toBe(0);
  });

  it('deleting the grantee account deletes what was given to it', () => {
    share({ scope: 'user', scope_value: 'carol' });
    t.db.$client.prepare('DELETE FROM users WHERE id = ?').run(carol.id);
    expect(t.db.select().from(permissions).where(eq(permissions.feedId, temp.id)).all()).toEqual([]);
  });
});

describe('permissions: the sharing event', () => {
  it('fires after every permission change and every change of the owner’s feeds, groups, dashboards and blocks', () => {
    const seen: string[] = [];
    t.core.events.on('sharing', (e: SharingEvent) => seen.push(e.owner.username));
    const row = share({ scope: 'user', scope_value: 'bob' });
    t.core.permissions.update(alice(), tempRef, row, { mode: 'rw' });
    t.core.permissions.delete(alice(), tempRef, row);
    expect(seen).toEqual(['alice', 'alice', 'alice']);
    t.core.feeds.update(alice(), temp, { visibility: 'public' });
    t.core.feeds.delete(alice(), t.core.feeds.byIdFor(alice(), temp.id)!);
    expect(seen).toHaveLength(5);
    t.core.tokens.create(alice(), {});
    expect(seen).toHaveLength(5);
  });
});

describe('permissions: writes by others', () => {
  it('are stored as the owner’s, from the writer’s rate budget, and refused without w', () => {
    const data: Array<{ user: string; feed: string; value: string }> = [];
    t.core.events.on('data', (e) => data.push({ user: e.user.username, feed: e.feed.key, value: e.datum.value }));
    expect(status(() => t.core.permissions.writeData(bob(), alice(), [{ feed: temp, datum: { value: '1' } }]))).toMatch(/^403 /);
    share({ scope: 'user', scope_value: 'bob', mode: 'w' });
    const [stored] = t.core.permissions.writeData(bob(), alice(), [{ feed: temp, datum: { value: '2' } }]);
    expect(stored!.row).toMatchObject({ userId: alice().id, feedId: temp.id, value: '2' });
    expect(data).toEqual([{ user: 'alice', feed: 'temp', value: '2' }]);
    expect(t.core.limiter.activeRate(bob())).toBe(1);
    expect(t.core.limiter.activeRate(alice())).toBe(1); // the feed's creation, not the point
    expect(status(() => t.core.permissions.writeData(carol, alice(), [{ feed: temp, datum: { value: '3' } }]))).toMatch(/^403 /);
    expect(t.core.data.total(temp)).toBe(1);
  });

  it('count against the writer’s rate limit, not the owner’s', () => {
    const limited = makeCore({ clock: clock.now, config: { rateLimit: 2 } });
    try {
      const [a, b] = [limited.alice.user, limited.bob.user];
      const feed = limited.core.feeds.create(a, limited.core.groups.defaultGroup(a), { name: 'Temp' });
      limited.core.permissions.create(a, { model: 'feed', id: feed.id }, { scope: 'user', scope_value: 'bob', mode: 'w' });
      limited.core.permissions.writeData(b, a, [
        { feed, datum: { value: '1' } },
        { feed, datum: { value: '2' } },
      ]);
      expect(status(() => limited.core.permissions.writeData(b, a, [{ feed, datum: { value: '3' } }]))).toMatch(/^429 /);
      // alice's own budget still has its token: the feed's creation took one of two
      limited.core.data.create(a, feed, [{ value: 'own' }]);
      expect(limited.core.data.total(feed)).toBe(3);
    } finally {
      limited.close();
    }
  });
});
