// FeedStore keeps the house rule "every lookup is scoped by its user id" by itself: an id that belongs
// to another account finds, changes and deletes nothing, whatever the caller passes.
import { afterEach, describe, expect, it } from 'vitest';
import { makeCore, type TestCore } from '../helpers.js';

let t: TestCore;
afterEach(() => t.close());

function setup() {
  t = makeCore();
  const { core, alice } = t;
  const group = core.groups.create(alice.user, { name: 'Home' });
  const feed = core.feeds.create(alice.user, group, { name: 'Temp' });
  return { ...t, store: core.ctx.stores.feeds, group, feed };
}

describe('FeedStore', () => {
  it('finds a feed by key, id and name for its owner only', () => {
    const { store, alice, bob, feed } = setup();
    expect(store.byKey(alice.user.id, 'home.temp')?.id).toBe(feed.id);
    expect(store.byId(alice.user.id, feed.id)?.key).toBe('home.temp');
    expect(store.byName(alice.user.id, 'Temp')?.id).toBe(feed.id);
    expect(store.byKey(bob.user.id, 'home.temp')).toBeUndefined();
    expect(store.byId(bob.user.id, feed.id)).toBeUndefined();
    expect(store.byName(bob.user.id, 'Temp')).toBeUndefined();
    expect(store.list(bob.user.id)).toEqual([]);
  });

  it('inserts a feed together with its membership of its home group', () => {
    const { store, alice, bob, group, feed } = setup();
    expect(store.isMember(alice.user.id, group.id, feed.id)).toBe(true);
    expect(store.isMember(bob.user.id, group.id, feed.id)).toBe(false);
    expect(store.memberships(alice.user.id, [feed.id]).map((m) => m.group.key)).toEqual(['home']);
    expect(store.memberships(bob.user.id, [feed.id])).toEqual([]);
  });

  it("another account's id updates, re-keys and deletes nothing", () => {
    const { store, alice, bob, group, feed } = setup();
    expect(store.update(bob.user.id, feed.id, { name: 'Stolen' })).toBeUndefined();
    store.rekeyHomeFeeds(bob.user.id, group.id, 'home', 'away');
    store.remove(bob.user.id, feed.id);
    expect(store.byId(alice.user.id, feed.id)).toEqual(feed);
  });

  it('re-keys the feeds at home in a group and no others', () => {
    const { core, store, alice, group, feed } = setup();
    const other = core.feeds.create(alice.user, core.groups.defaultGroup(alice.user), { name: 'Home temp' });
    store.rekeyHomeFeeds(alice.user.id, group.id, 'home', 'away');
    expect(store.byId(alice.user.id, feed.id)?.key).toBe('away.temp');
    expect(store.byId(alice.user.id, other.id)?.key).toBe('home-temp');
  });
});
