// Account limits like the hosted free plan (10 feeds, 5 groups, 5 dashboards), enforced in the core's
// create functions so that both doors and every auto-create path get them.
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountLimits } from '../../src/config.js';
import { effectiveLimits, limitMessage } from '../../src/core/account-limits.js';
import { AioError } from '../../src/core/errors.js';
import { makeCore, type TestCore } from '../helpers.js';

let t: TestCore;
afterEach(() => t.close());

const setup = (accountLimits: Partial<AccountLimits>) => {
  t = makeCore({ config: { accountLimits: { feeds: 0, groups: 0, dashboards: 0, ...accountLimits } } });
  return t;
};

/** The AioError `fn` throws (it must throw one). */
function refusal(fn: () => unknown): AioError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('account limits: feeds', () => {
  it('the eleventh feed is refused with a 422 naming the limit; nothing is made', () => {
    const { core, alice } = setup({ feeds: 10 });
    const home = core.groups.defaultGroup(alice.user);
    for (let i = 1; i <= 10; i++) core.feeds.create(alice.user, home, { name: `f${i}` });
    const err = refusal(() => core.feeds.create(alice.user, home, { name: 'f11' }));
    expect(err.status).toBe(422);
    expect(err.message).toBe('Validation failed: feed limit reached, this account may have at most 10 feeds');
    expect(core.feeds.list(alice.user)).toHaveLength(10);
    expect(core.feeds.find(alice.user, 'f11')).toBeUndefined();
  });

  it('counts feeds in every group, and a deleted feed frees its place', () => {
    const { core, alice } = setup({ feeds: 2 });
    const garden = core.groups.create(alice.user, { name: 'garden' });
    const a = core.feeds.create(alice.user, garden, { name: 'soil' });
    core.feeds.create(alice.user, core.groups.defaultGroup(alice.user), { name: 'door' });
    expect(refusal(() => core.feeds.create(alice.user, garden, { name: 'rain' })).status).toBe(422);
    core.feeds.delete(alice.user, a);
    expect(core.feeds.create(alice.user, garden, { name: 'rain' }).key).toBe('garden.rain');
  });

  it('is per account: bob still has his own ten', () => {
    const { core, alice, bob } = setup({ feeds: 1 });
    core.feeds.create(alice.user, core.groups.defaultGroup(alice.user), { name: 'x' });
    expect(core.feeds.create(bob.user, core.groups.defaultGroup(bob.user), { name: 'x' }).userId).toBe(bob.user.id);
  });

  it('auto-create paths of the data service are refused alike, storing nothing', () => {
    const { core, alice } = setup({ feeds: 1 });
    core.data.createOrAutoCreate(alice.user, 'first', [{ value: '1' }]);
    expect(refusal(() => core.data.createOrAutoCreate(alice.user, 'second', [{ value: '2' }])).status).toBe(422);
    const home = core.groups.defaultGroup(alice.user);
    expect(refusal(() => core.data.createInGroup(alice.user, home, [{ key: 'third', datum: { value: '3' } }])).status).toBe(422);
    expect(core.feeds.list(alice.user).map((f) => f.key)).toEqual(['first']);
    // data already stored on an existing feed is still taken
    core.data.createOrAutoCreate(alice.user, 'first', [{ value: '4' }]);
    expect(core.data.page(core.feeds.resolve(alice.user, 'first'), { limit: 10 }).rows.map((r) => r.value)).toEqual(['4', '1']);
  });
});

describe('account limits: groups and dashboards', () => {
  it('the default group is not counted: five groups of your own, the sixth is refused', () => {
    const { core, alice } = setup({ groups: 5 });
    for (let i = 1; i <= 5; i++) core.groups.create(alice.user, { name: `g${i}` });
    const err = refusal(() => core.groups.create(alice.user, { name: 'g6' }));
    expect(err.status).toBe(422);
    expect(err.message).toBe('Validation failed: group limit reached, this account may have at most 5 groups besides the default group');
    expect(core.groups.list(alice.user).map((g) => g.key)).toEqual(['default', 'g1', 'g2', 'g3', 'g4', 'g5']);
  });

  it('a `group.feed` auto-create over the group limit makes neither group nor feed', () => {
    const { core, alice } = setup({ groups: 1 });
    core.groups.create(alice.user, { name: 'garden' });
    expect(refusal(() => core.data.createOrAutoCreate(alice.user, 'porch.light', [{ value: 'on' }])).status).toBe(422);
    expect(core.groups.find(alice.user, 'porch')).toBeUndefined();
    expect(core.feeds.list(alice.user)).toEqual([]);
    // an existing group still takes new feeds
    expect(core.data.createOrAutoCreate(alice.user, 'garden.soil', [{ value: '1' }]).feed.key).toBe('garden.soil');
  });

  it('the sixth dashboard is refused', () => {
    const { core, alice } = setup({ dashboards: 5 });
    for (let i = 1; i <= 5; i++) core.dashboards.create(alice.user, { name: `d${i}` });
    const err = refusal(() => core.dashboards.create(alice.user, { name: 'd6' }));
    expect(err.status).toBe(422);
    expect(err.message).toBe(limitMessage('dashboards', 5));
    expect(core.dashboards.list(alice.user)).toHaveLength(5);
  });
});

describe('account limits: defaults and overrides', () => {
  it('0 (the default) means unlimited', () => {
    const { core, alice } = setup({});
    const home = core.groups.defaultGroup(alice.user);
    for (let i = 0; i < 25; i++) {
      core.feeds.create(alice.user, home, { name: `f${i}` });
      core.groups.create(alice.user, { name: `g${i}` });
      core.dashboards.create(alice.user, { name: `d${i}` });
    }
    expect(core.feeds.list(alice.user)).toHaveLength(25);
    expect(effectiveLimits(core.ctx, alice.user.id)).toEqual({ feeds: 0, groups: 0, dashboards: 0 });
  });

  it("an account's own limit overrides the server's, at once, even for a user row read before", () => {
    const { core, alice } = setup({ feeds: 1, dashboards: 1 });
    const staleRow = alice.user;
    core.accounts.setLimits('alice', { feeds: 3, dashboards: 0 });
    const home = core.groups.defaultGroup(staleRow);
    for (let i = 0; i < 3; i++) core.feeds.create(staleRow, home, { name: `f${i}` });
    expect(refusal(() => core.feeds.create(staleRow, home, { name: 'f3' })).message).toContain('at most 3 feeds');
    for (let i = 0; i < 3; i++) core.dashboards.create(staleRow, { name: `d${i}` });
    expect(effectiveLimits(core.ctx, alice.user.id)).toEqual({ feeds: 3, groups: 0, dashboards: 0 });
    // null returns to the server default; a field left out is kept
    core.accounts.setLimits('alice', { dashboards: null });
    expect(effectiveLimits(core.ctx, alice.user.id)).toEqual({ feeds: 3, groups: 0, dashboards: 1 });
    expect(refusal(() => core.dashboards.create(staleRow, { name: 'd4' })).status).toBe(422);
  });

  it('refuses a limit that is not a whole number ≥ 0, and an unknown account', () => {
    const { core } = setup({});
    expect(refusal(() => core.accounts.setLimits('alice', { feeds: -1 })).status).toBe(422);
    expect(refusal(() => core.accounts.setLimits('alice', { groups: 1.5 })).status).toBe(422);
    expect(refusal(() => core.accounts.setLimits('nobody', { feeds: 1 })).status).toBe(404);
  });
});
