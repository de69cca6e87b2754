import { describe, expect, it } from 'vitest';
import { CoreEventBus, type ThrottleNotice } from '../../src/core/events.js';
import { Limiter } from '../../src/core/limiter.js';
import { MinuteWindow } from '../../src/core/minute-window.js';
import type { UserRow } from '../../src/core/types.js';
import { FakeClock } from '../helpers.js';

const user = (id: number, rateLimit: number | null = null): UserRow => ({
  id,
  username: `user${id}`,
  name: null,
  keyHash: '',
  color: null,
  timeZone: 'UTC',
  rateLimit,
  maxFeeds: null,
  maxGroups: null,
  maxDashboards: null,
  createdAt: 0,
  updatedAt: 0,
});

function setup(limit = 10) {
  const clock = new FakeClock(1_000_000);
  const events = new CoreEventBus();
  const notices: ThrottleNotice[] = [];
  events.on('throttle', (n) => notices.push(n));
  return { clock, notices, limiter: new Limiter(clock.now, events, limit) };
}

describe('the rate limiter', () => {
  it('refuses exactly the N+1-th write in a minute, with a 429 and a notice giving the real wait', () => {
    const { limiter, notices } = setup(10);
    const u = user(1);
    for (let i = 0; i < 10; i++) limiter.take(u, 1);
    expect(() => limiter.take(u, 1)).toThrow(expect.objectContaining({ status: 429 }));
    expect(notices).toHaveLength(1);
    // One token comes back every 6 seconds at 10 per minute.
    expect(notices[0]!.message).toBe('user1 data rate limit reached, 6 seconds until throttle released');
    expect(notices[0]!.waitSeconds).toBe(6);
  });

  it('refills continuously at the per-minute rate', () => {
    const { limiter, clock } = setup(10);
    const u = user(1);
    limiter.take(u, 10);
    clock.advance(5_999);
    expect(() => limiter.take(u, 1)).toThrow();
    clock.advance(1);
    limiter.take(u, 1);
    expect(() => limiter.take(u, 1)).toThrow();
    clock.advance(60_000);
    limiter.take(u, 10);
  });

  it('takes nothing from a refused batch, and a batch larger than the limit is always refused', () => {
    const { limiter, notices } = setup(10);
    const u = user(1);
    limiter.take(u, 8);
    expect(() => limiter.take(u, 3)).toThrow(expect.objectContaining({ status: 429 }));
    limiter.take(u, 2);
    expect(() => limiter.take(user(2), 11)).toThrow(/more than the limit of 10/);
    expect(notices.map((n) => n.waitSeconds)).toEqual([6, 60]);
  });

  it('check() refuses like take() without taking', () => {
    const { limiter } = setup(2);
    const u = user(1);
    limiter.check(u, 2);
    limiter.check(u, 2);
    limiter.take(u, 2);
    expect(() => limiter.check(u, 1)).toThrow(expect.objectContaining({ status: 429 }));
  });

  it('rate-limits its own notices to one per second per user', () => {
    const { limiter, clock, notices } = setup(1);
    const u = user(1);
    limiter.take(u, 1);
    for (let i = 0; i < 50; i++) expect(() => limiter.take(u, 1)).toThrow();
    expect(notices).toHaveLength(1);
    clock.advance(1000);
    expect(() => limiter.take(u, 1)).toThrow();
    expect(notices).toHaveLength(2);
    expect(notices[1]!.message).toBe('user1 data rate limit reached, 59 seconds until throttle released');
  });

  it('applies per-account limits, separate buckets per user, and 0 as no limit', () => {
    const { limiter } = setup(10);
    const fast = user(1, 60);
    for (let i = 0; i < 60; i++) limiter.take(fast, 1);
    expect(() => limiter.take(fast, 1)).toThrow();
    const other = user(2);
    limiter.take(other, 10);
    const unlimited = user(3, 0);
    for (let i = 0; i < 1000; i++) limiter.take(unlimited, 1);
    expect(limiter.activeRate(unlimited)).toBe(1000);
  });

  it('reports points written in the last 60 seconds', () => {
    const { limiter, clock } = setup(100);
    const u = user(1);
    limiter.take(u, 5);
    clock.advance(30_000);
    limiter.take(u, 3);
    expect(limiter.activeRate(u)).toBe(8);
    clock.advance(30_000);
    expect(limiter.activeRate(u)).toBe(3);
    clock.advance(30_000);
    expect(limiter.activeRate(u)).toBe(0);
  });

  it('MinuteWindow forgets counts older than a minute', () => {
    const w = new MinuteWindow();
    w.add(0, 2);
    w.add(59_999, 1);
    expect(w.total(59_999)).toBe(3);
    expect(w.total(60_000)).toBe(1);
    w.add(120_000, 4);
    expect(w.total(120_000)).toBe(4);
  });
});
