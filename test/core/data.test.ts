import { describe, expect } from 'vitest';
import type { DataEvent } from '../../src/core/events.js';
import { coreTestWith, makeCore } from '../helpers.js';

const it = coreTestWith({ fakeClock: true });

describe('the data core', () => {
  it('emits one data event per stored point, after the commit, from every write path', ({ t }) => {
    const events: DataEvent[] = [];
    t.core.events.on('data', (e) => {
      // The point is already readable when the event fires.
      expect(t.core.data.get(e.feed, e.datum.id).value).toBe(e.datum.value);
      events.push(e);
    });
    const { feed } = t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }, { value: '2' }]);
    const group = t.core.groups.create(t.alice.user, { name: 'g' });
    t.core.data.createInGroup(t.alice.user, group, [
      { key: 'a', datum: { value: '3' } },
      { key: 'a', datum: { value: '4' } },
    ]);
    expect(events.map((e) => [e.feed.key, e.datum.value, e.user.username])).toEqual([
      ['temp', '1', 'alice'],
      ['temp', '2', 'alice'],
      ['g.a', '3', 'alice'],
      ['g.a', '4', 'alice'],
    ]);
    expect(events[0]!.feed.id).toBe(feed.id);
  });

  it('emits nothing when a write is refused', ({ t }) => {
    let n = 0;
    t.core.events.on('data', () => n++);
    expect(() => t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }, { value: 'x'.repeat(5000) }])).toThrow();
    expect(n).toBe(0);
    expect(t.core.feeds.find(t.alice.user, 'temp')).toBeUndefined();
  });

  it('keeps the running count exact through inserts, deletes and history-off writes', ({ t }) => {
    const { feed, rows } = t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }, { value: '2' }, { value: '3' }]);
    t.core.data.delete(t.alice.user, feed, rows[1]!.id);
    expect(t.core.data.total(feed)).toBe(2);
    const fresh = t.core.feeds.resolve(t.alice.user, 'temp');
    t.core.feeds.update(t.alice.user, fresh, { history: false });
    const noHistory = t.core.feeds.resolve(t.alice.user, 'temp');
    t.core.data.create(t.alice.user, noHistory, [{ value: '4' }]);
    expect(t.core.data.total(noHistory)).toBe(1);
  });

  it('sweeps points older than the retention period, and only those', ({ t, clock }) => {
    const day = 86_400_000;
    const { feed } = t.core.data.createOrAutoCreate(t.alice.user, 'temp', [
      { value: 'old', createdAt: clock.ms - 31 * day },
      { value: 'edge', createdAt: clock.ms - 29 * day },
      { value: 'new' },
    ]);
    expect(t.core.data.sweep()).toBe(1);
    expect(t.core.data.page(feed, { limit: 10 }).rows.map((r) => r.value)).toEqual(['new', 'edge']);
    expect(t.core.data.total(feed)).toBe(2);
    clock.advance(2 * day);
    expect(t.core.data.sweep()).toBe(1);
    expect(t.core.data.total(feed)).toBe(1);
  });

  it('keeps everything when retention is 0', ({ clock }) => {
    const keep = makeCore({ clock: clock.now, config: { retentionDays: 0 } });
    try {
      const { feed, rows } = keep.core.data.createOrAutoCreate(keep.alice.user, 'temp', [{ value: 'ancient', createdAt: 0 }]);
      expect(keep.core.data.sweep()).toBe(0);
      expect(keep.core.data.total(feed)).toBe(1);
      expect(keep.core.serialize.datum(rows[0]!, feed.key).expiration).toBeNull();
    } finally {
      keep.close();
    }
  });

  it('scopes every lookup by user', ({ t }) => {
    t.core.data.createOrAutoCreate(t.alice.user, 'temp', [{ value: '1' }]);
    expect(t.core.feeds.find(t.bob.user, 'temp')).toBeUndefined();
    const aliceFeed = t.core.feeds.resolve(t.alice.user, 'temp');
    expect(t.core.feeds.find(t.bob.user, String(aliceFeed.id))).toBeUndefined();
    expect(() => t.core.groups.addFeed(t.bob.user, t.core.groups.defaultGroup(t.bob.user), 'temp')).toThrow(/not permitted/);
  });
});
