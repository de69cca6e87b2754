import { describe, expect, it } from 'vitest';
import { Bans, banSeconds, type BanLimits } from '../../src/core/bans.js';
import { CoreEventBus, type BanEvent } from '../../src/core/events.js';
import type { UserRow } from '../../src/core/types.js';
import { FakeClock } from '../helpers.js';

const user: UserRow = {
  id: 1,
  username: 'u',
  name: null,
  keyHash: '',
  color: null,
  timeZone: 'UTC',
  rateLimit: null,
  maxFeeds: null,
  maxGroups: null,
  maxDashboards: null,
  createdAt: 0,
  updatedAt: 0,
};
const LIMITS: BanLimits = {
  enabled: true,
  connects: 20,
  subscribes: 100,
  refused: 10,
  throttled: 10,
  failedLogins: 10,
  failedLoginsPerAddress: 100,
};

function setup(limits: Partial<BanLimits> = {}) {
  const clock = new FakeClock(5_000_000);
  const events = new CoreEventBus();
  const banned: BanEvent[] = [];
  events.on('ban', (e) => banned.push(e));
  return { clock, banned, bans: new Bans(clock.now, events, { ...LIMITS, ...limits }) };
}

describe('MQTT bans', () => {
  it('start on the 21st connection attempt in a minute, with CONNACK 6 semantics and Adafruit wording', () => {
    const { bans, banned } = setup();
    for (let i = 0; i < 20; i++) expect(bans.note(user, 'connect')).toBeUndefined();
    const ban = bans.note(user, 'connect');
    expect(ban).toMatchObject({
      seconds: 30,
      reason: 'connect',
      message: 'enforcement limit reached, your account is banned for 30 seconds',
    });
    expect(banned).toHaveLength(1);
    expect(bans.current(user)).toBe(ban);
  });

  it('start past 100 subscriptions, 10 refusals (subscribe and publish together) or 10 throttled publishes', () => {
    for (const [action, n] of [
      ['subscribe', 100],
      ['throttledPublish', 10],
    ] as const) {
      const { bans } = setup();
      for (let i = 0; i < n; i++) expect(bans.note(user, action)).toBeUndefined();
      expect(bans.note(user, action)?.reason).toBe('abuse');
    }
    const { bans } = setup();
    for (let i = 0; i < 5; i++) bans.note(user, 'refusedSubscribe');
    for (let i = 0; i < 5; i++) expect(bans.note(user, 'refusedPublish')).toBeUndefined();
    expect(bans.note(user, 'refusedPublish')?.seconds).toBe(30);
  });

  it('count only the last minute', () => {
    const { bans, clock } = setup();
    for (let i = 0; i < 10; i++) bans.note(user, 'refusedPublish');
    clock.advance(60_000);
    expect(bans.note(user, 'refusedPublish')).toBeUndefined();
  });

  it('end on time, and grow by 30 s for each ban in the last hour, up to an hour', () => {
    const { bans, clock } = setup({ refused: 0 });
    const lengths: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ban = bans.note(user, 'refusedPublish')!;
      lengths.push(ban.seconds);
      clock.advance(ban.seconds * 1000 - 1);
      expect(bans.current(user)).toBe(ban);
      clock.advance(1);
      expect(bans.current(user)).toBeUndefined();
    }
    expect(lengths).toEqual([30, 60, 90, 120]);
    clock.advance(3_600_000);
    expect(bans.note(user, 'refusedPublish')!.seconds).toBe(30);
    expect([0, 1, 2, 118, 119, 500].map(banSeconds)).toEqual([30, 60, 90, 3570, 3600, 3600]);
    // Back-to-back bans: only those started in the last hour lengthen the next.
    const { bans: many, clock: c2 } = setup({ refused: 0 });
    const seq: number[] = [];
    for (let i = 0; i < 40; i++) {
      const ban = many.note(user, 'refusedPublish')!;
      seq.push(ban.seconds);
      c2.advance(ban.seconds * 1000);
    }
    expect(seq.slice(0, 5)).toEqual([30, 60, 90, 120, 150]);
    expect(Math.max(...seq)).toBeLessThanOrEqual(3600);
    // 30+60+...+420 = 3360 s fit in the hour before the 15th ban, which is therefore 450 s.
    expect(seq[14]).toBe(450);
  });

  it('while banned, actions start no new ban; AIO_MQTT_BANS=0 turns bans off', () => {
    const { bans, banned } = setup({ refused: 0 });
    bans.note(user, 'refusedPublish');
    for (let i = 0; i < 10; i++) bans.note(user, 'refusedPublish');
    expect(banned).toHaveLength(1);
    const off = setup({ enabled: false, refused: 0 });
    for (let i = 0; i < 100; i++) expect(off.bans.note(user, 'refusedPublish')).toBeUndefined();
    expect(off.bans.stats(user).publish_authorization_rate).toBe(100);
  });

  it('refuse a username from an address with 10 failures in the last minute, not its other users', () => {
    const { bans, clock } = setup();
    for (let i = 0; i < 9; i++) bans.loginFailed('10.0.0.1', 'a');
    expect(bans.loginBlocked('10.0.0.1', 'a')).toBe(false);
    bans.loginFailed('10.0.0.1', 'a');
    expect(bans.loginBlocked('10.0.0.1', 'a')).toBe(true);
    // Another account behind the same address, and the same account elsewhere, may still log in.
    expect(bans.loginBlocked('10.0.0.1', 'b')).toBe(false);
    expect(bans.loginBlocked('10.0.0.2', 'a')).toBe(false);
    clock.advance(60_000);
    expect(bans.loginBlocked('10.0.0.1', 'a')).toBe(false);
  });

  it('refuse every login from an address past the address-wide ceiling, for a minute', () => {
    const { bans, clock } = setup({ failedLoginsPerAddress: 30 });
    // 29 failures spread over usernames, none of them at its own limit
    for (let i = 0; i < 29; i++) bans.loginFailed('10.0.0.1', `u${i % 5}`);
    expect(bans.loginBlocked('10.0.0.1', 'b')).toBe(false);
    bans.loginFailed('10.0.0.1', 'u0');
    expect(bans.loginBlocked('10.0.0.1', 'b')).toBe(true);
    expect(bans.loginBlocked('10.0.0.2', 'b')).toBe(false);
    clock.advance(60_000);
    expect(bans.loginBlocked('10.0.0.1', 'b')).toBe(false);
  });

  it('count names too long to be accounts together, so they cannot fill memory one name at a time', () => {
    const { bans } = setup();
    for (let i = 0; i < 10; i++) bans.loginFailed('10.0.0.1', `${'x'.repeat(65)}${i}`);
    expect(bans.loginBlocked('10.0.0.1', `${'y'.repeat(70)}`)).toBe(true);
    expect(bans.loginBlocked('10.0.0.1', 'x'.repeat(64))).toBe(false);
  });

  it('never refuse logins with bans off', () => {
    const { bans } = setup({ enabled: false });
    for (let i = 0; i < 200; i++) bans.loginFailed('10.0.0.1', 'a');
    expect(bans.loginBlocked('10.0.0.1', 'a')).toBe(false);
  });

  it('report live figures', () => {
    const { bans } = setup({ refused: 2 });
    bans.note(user, 'connect');
    bans.note(user, 'subscribe');
    bans.note(user, 'refusedSubscribe');
    bans.note(user, 'refusedPublish');
    bans.note(user, 'refusedPublish');
    expect(bans.stats(user)).toEqual({
      authentication_rate: 1,
      subscribe_authorization_rate: 2,
      publish_authorization_rate: 2,
      hourly_ban_rate: 1,
      mqtt_ban_error_message: 'enforcement limit reached, your account is banned for 30 seconds',
    });
  });
});
