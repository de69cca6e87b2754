import { describe, expect } from 'vitest';
import { AioError } from '../../src/core/errors.js';
import { coreTest as it } from '../helpers.js';

describe('Reset', () => {
  it('account(): deletes what the account owns, gives back its default group, lifts its ban; others untouched', ({ t }) => {
    const { core, alice, bob } = t;
    for (const who of [alice, bob]) {
      const feed = core.feeds.create(who.user, core.groups.defaultGroup(who.user), { name: 'Temp' });
      core.data.create(who.user, feed, [{ value: '1' }]);
      core.groups.create(who.user, { name: 'House' });
      core.integrations.create(who.user, 'words', { name: 'dice', generator_type: 'random' });
    }
    for (let i = 0; i < 25; i++) core.bans.note(alice.user, 'connect');
    expect(core.bans.current(alice.user)).toBeTruthy();

    core.reset.account('alice');

    const count = (table: string, userId: number) =>
      (t.db.$client.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = ?`).get(userId) as { n: number }).n;
    for (const table of ['feeds', 'data', 'integrations', 'activities']) expect(count(table, alice.user.id), table).toBe(0);
    expect(core.groups.list(alice.user).map((g) => g.key)).toEqual(['default']);
    expect(core.bans.current(alice.user)).toBeUndefined();
    expect(core.accounts.authenticate(alice.key)?.id).toBe(alice.user.id);
    for (const table of ['feeds', 'data', 'integrations']) expect(count(table, bob.user.id), table).toBe(1);
    expect(core.groups.list(bob.user)).toHaveLength(2);
  });

  it('account(): a 404 for an unknown account', ({ t }) => {
    expect(() => t.core.reset.account('nobody')).toThrow(AioError);
  });

  it('all({accounts: "delete"}) with no configured account deletes every one', ({ t }) => {
    const res = t.core.reset.all({ accounts: 'delete' });
    expect(res).toEqual({ accounts: [], deleted: ['alice', 'bob'] });
    expect(t.core.accounts.list()).toEqual([]);
    expect(t.core.accounts.authenticate(t.alice.key)).toBeUndefined();
  });

  it('emits a reset event per account, after the commit', ({ t }) => {
    const seen: unknown[] = [];
    t.core.events.on('reset', (e) => seen.push(e));
    t.core.reset.all({ accounts: 'keep', disconnect: true });
    expect(seen).toEqual([
      { userId: t.alice.user.id, disconnect: true },
      { userId: t.bob.user.id, disconnect: true },
    ]);
  });
});
