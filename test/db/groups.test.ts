// GroupStore keeps the house rule "every lookup is scoped by its user id" by itself, memberships
// included: no call can put one account's feed in another account's group.
import { afterEach, describe, expect, it } from 'vitest';
import { makeCore, type TestCore } from '../helpers.js';

let t: TestCore;
afterEach(() => t.close());

function setup() {
  t = makeCore();
  const { core, alice, bob } = t;
  const group = core.groups.create(alice.user, { name: 'Home' });
  const feed = core.feeds.create(alice.user, core.groups.defaultGroup(alice.user), { name: 'Temp' });
  const bobFeed = core.feeds.create(bob.user, core.groups.defaultGroup(bob.user), { name: 'Temp' });
  return { ...t, store: core.ctx.stores.groups, feeds: core.ctx.stores.feeds, group, feed, bobFeed };
}

describe('GroupStore', () => {
  it('finds a group by key, id and name for its owner only', () => {
    const { store, alice, bob, group } = setup();
    expect(store.byKey(alice.user.id, 'home')?.id).toBe(group.id);
    expect(store.byId(alice.user.id, group.id)?.key).toBe('home');
    expect(store.byName(alice.user.id, 'Home')?.id).toBe(group.id);
    expect(store.byKey(bob.user.id, 'home')).toBeUndefined();
    expect(store.byId(bob.user.id, group.id)).toBeUndefined();
    expect(store.byName(bob.user.id, 'Home')).toBeUndefined();
    expect(store.list(bob.user.id).map((g) => g.key)).toEqual(['default']);
  });

  it("another account's id updates and deletes nothing", () => {
    const { store, alice, bob, group } = setup();
    expect(store.update(bob.user.id, group.id, { name: 'Stolen' })).toBeUndefined();
    store.remove(bob.user.id, group.id);
    expect(store.byId(alice.user.id, group.id)).toEqual(group);
  });

  it('adds and removes a member for the owner of both', () => {
    const { store, feeds, alice, group, feed } = setup();
    store.addMember(alice.user.id, group.id, feed.id);
    store.addMember(alice.user.id, group.id, feed.id);
    expect(store.members(alice.user.id, group.id).map((m) => m.feed.id)).toEqual([feed.id]);
    expect(store.removeMember(alice.user.id, group.id, feed.id)).toBe(true);
    expect(store.removeMember(alice.user.id, group.id, feed.id)).toBe(false);
    expect(feeds.isMember(alice.user.id, group.id, feed.id)).toBe(false);
  });

  it("never puts a feed in another account's group, nor lists or removes another account's members", () => {
    const { store, feeds, alice, bob, group, feed, bobFeed } = setup();
    store.addMember(alice.user.id, group.id, bobFeed.id);
    store.addMember(bob.user.id, group.id, bobFeed.id);
    store.addMember(bob.user.id, group.id, feed.id);
    expect(store.members(alice.user.id, group.id)).toEqual([]);
    store.addMember(alice.user.id, group.id, feed.id);
    expect(store.members(bob.user.id, group.id)).toEqual([]);
    expect(store.removeMember(bob.user.id, group.id, feed.id)).toBe(false);
    expect(feeds.isMember(alice.user.id, group.id, feed.id)).toBe(true);
  });
});
