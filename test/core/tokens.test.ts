import { describe, expect } from 'vitest';
import { eq } from 'drizzle-orm';
import { hashKey } from '../../src/core/accounts.js';
import { AioError } from '../../src/core/errors.js';
import { sameScope, tokenExpired, tokenRefusal, type TokenRow } from '../../src/core/tokens.js';
import { tokens } from '../../src/db/schema.js';
import { coreTestWith } from '../helpers.js';

const it = coreTestWith({ fakeClock: true });

function status(fn: () => unknown): number | string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return e.status;
    throw e;
  }
  return 'no error';
}

const HOUR = 3_600_000;

describe('tokens: create and authenticate', () => {
  it('makes a token with every flag on, its secret shown once and stored as a sha256', ({ t }) => {
    const { token, secret } = t.core.tokens.create(t.alice.user, {});
    expect(secret).toMatch(/^aio_[A-Za-z0-9]{28}$/);
    expect(token).toMatchObject({
      userId: t.alice.user.id,
      feedId: null,
      readable: true,
      createable: true,
      updateable: true,
      deleteable: true,
      expiration: null,
    });
    const row = t.db.select().from(tokens).where(eq(tokens.id, token.id)).get()!;
    expect(row.secretHash).toBe(hashKey(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(t.core.serialize.token(token, secret)).toEqual({
      id: token.id,
      key: secret,
      master: false,
      createable: true,
      readable: true,
      updateable: true,
      deleteable: true,
      expiration: null,
      user_id: t.alice.user.id,
      feed_id: null,
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
      qr_code: null,
      status: 'active',
    });
    expect(t.core.serialize.token(token).key).toBeNull();
  });

  it('authenticates by secret, for its own user only over MQTT', ({ t }) => {
    const { token, secret } = t.core.tokens.create(t.alice.user, {});
    expect(t.core.tokens.authenticate(secret)).toMatchObject({ user: { username: 'alice' }, token: { id: token.id } });
    expect(t.core.tokens.authenticate(`${secret}x`)).toBeUndefined();
    expect(t.core.tokens.authenticate('')).toBeUndefined();
    expect(t.core.tokens.authenticate(undefined)).toBeUndefined();
    expect(t.core.tokens.authenticateUser('alice', secret)?.token.id).toBe(token.id);
    expect(t.core.tokens.authenticateUser('bob', secret)).toBeUndefined();
    // The account key is not a token.
    expect(t.core.tokens.authenticate(t.alice.key)).toBeUndefined();
  });

  it('takes flags from booleans and strings, a feed by id, key or name, and a future expiration', ({ t, clock }) => {
    const feed = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'Door Sensor' });
    const at = new Date(clock.ms + 24 * HOUR).toISOString();
    const byKey = t.core.tokens.create(t.alice.user, {
      readable: 'true',
      createable: false,
      updateable: '0',
      deleteable: 'off',
      feed_id: 'door-sensor',
      expiration: at,
    }).token;
    expect(byKey).toMatchObject({
      readable: true,
      createable: false,
      updateable: false,
      deleteable: false,
      feedId: feed.id,
      expiration: clock.ms + 24 * HOUR,
    });
    expect(t.core.tokens.create(t.alice.user, { feed_id: feed.id }).token.feedId).toBe(feed.id);
    expect(t.core.tokens.create(t.alice.user, { feed_id: 'Door Sensor' }).token.feedId).toBe(feed.id);
    expect(t.core.serialize.token(byKey).expiration).toBe('2026-01-16T12:00:00Z');
  });

  it('refuses bad flags, unknown or foreign feeds and past or unreadable expirations with a 422', ({ t }) => {
    const bobFeed = t.core.feeds.create(t.bob.user, t.core.groups.defaultGroup(t.bob.user), { name: 'bobs' });
    expect(status(() => t.core.tokens.create(t.alice.user, { readable: 'maybe' }))).toBe(422);
    expect(status(() => t.core.tokens.create(t.alice.user, { feed_id: 'nope' }))).toBe(422);
    expect(status(() => t.core.tokens.create(t.alice.user, { feed_id: bobFeed.id }))).toBe(422);
    expect(status(() => t.core.tokens.create(t.alice.user, { feed_id: { id: 1 } }))).toBe(422);
    expect(status(() => t.core.tokens.create(t.alice.user, { expiration: '2020-01-01T00:00:00Z' }))).toBe(422);
    expect(status(() => t.core.tokens.create(t.alice.user, { expiration: 'soon' }))).toBe(422);
    expect(t.core.tokens.list(t.alice.user)).toEqual([]);
  });
});

describe('tokens: list, find, update, delete', () => {
  it('lists and finds a user’s own tokens only', ({ t }) => {
    const a = t.core.tokens.create(t.alice.user, {}).token;
    const b = t.core.tokens.create(t.alice.user, {}).token;
    t.core.tokens.create(t.bob.user, {});
    expect(t.core.tokens.list(t.alice.user).map((x) => x.id)).toEqual([a.id, b.id]);
    expect(t.core.tokens.resolve(t.alice.user, String(a.id)).id).toBe(a.id);
    expect(status(() => t.core.tokens.resolve(t.bob.user, String(a.id)))).toBe(404);
    expect(status(() => t.core.tokens.resolve(t.alice.user, 'abc'))).toBe(404);
    expect(status(() => t.core.tokens.resolve(t.alice.user, '999'))).toBe(404);
  });

  it('updates only the fields sent; null clears the feed and the expiration', ({ t, clock }) => {
    const feed = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'temp' });
    const { token, secret } = t.core.tokens.create(t.alice.user, { feed_id: 'temp', expiration: clock.ms / 1000 + 3600 });
    clock.advance(1000);
    const u = t.core.tokens.update(t.alice.user, token, { deleteable: false });
    expect(u).toMatchObject({ deleteable: false, readable: true, feedId: feed.id, expiration: token.expiration, updatedAt: clock.ms });
    const cleared = t.core.tokens.update(t.alice.user, u, { feed_id: null, expiration: null });
    expect(cleared).toMatchObject({ feedId: null, expiration: null });
    // The secret does not change.
    expect(t.core.tokens.authenticate(secret)?.token.id).toBe(token.id);
    expect(status(() => t.core.tokens.update(t.alice.user, u, { updateable: 'perhaps' }))).toBe(422);
  });

  it('a deleted token no longer authenticates', ({ t }) => {
    const { token, secret } = t.core.tokens.create(t.alice.user, {});
    t.core.tokens.delete(t.alice.user, token);
    expect(t.core.tokens.authenticate(secret)).toBeUndefined();
    expect(t.core.tokens.byId(token.id)).toBeUndefined();
  });

  it('deleting its feed (or the feed’s group) deletes a feed-limited token instead of widening it', ({ t }) => {
    const group = t.core.groups.create(t.alice.user, { name: 'house' });
    const feed = t.core.feeds.create(t.alice.user, group, { name: 'door' });
    const other = t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name: 'temp' });
    const a = t.core.tokens.create(t.alice.user, { feed_id: feed.id });
    const b = t.core.tokens.create(t.alice.user, { feed_id: other.id });
    const unscoped = t.core.tokens.create(t.alice.user, {});
    t.core.groups.delete(t.alice.user, group);
    t.core.feeds.delete(t.alice.user, other);
    expect(t.core.tokens.authenticate(a.secret)).toBeUndefined();
    expect(t.core.tokens.authenticate(b.secret)).toBeUndefined();
    expect(t.core.tokens.authenticate(unscoped.secret)?.user.username).toBe('alice');
  });

  it('status turns to expired when the expiration passes', ({ t, clock }) => {
    const { token } = t.core.tokens.create(t.alice.user, { expiration: new Date(clock.ms + HOUR).toISOString() });
    expect(t.core.serialize.token(token).status).toBe('active');
    clock.advance(HOUR);
    expect(t.core.serialize.token(token).status).toBe('expired');
  });
});

describe('tokenRefusal', () => {
  const base = (over: Partial<TokenRow> = {}): TokenRow => ({
    id: 1,
    userId: 1,
    feedId: null,
    secretHash: '',
    readable: true,
    createable: true,
    updateable: true,
    deleteable: true,
    expiration: null,
    createdAt: 0,
    updatedAt: 0,
    ...over,
  });

  it('allows what the flags allow, on any feed when it has none', () => {
    for (const access of ['readable', 'createable', 'updateable', 'deleteable'] as const) {
      expect(tokenRefusal(base(), access, 0, undefined)).toBeUndefined();
      expect(tokenRefusal(base(), access, 0, 7)).toBeUndefined();
      expect(tokenRefusal(base({ [access]: false }), access, 0, 7)).toMatch(/^forbidden - this token does not allow \w+ing$/);
    }
  });

  it('a feed-limited token only its feed, never a request that names none', () => {
    const token = base({ feedId: 7 });
    expect(tokenRefusal(token, 'readable', 0, 7)).toBeUndefined();
    expect(tokenRefusal(token, 'readable', 0, 8)).toMatch(/only gives access to the feed with id 7/);
    expect(tokenRefusal(token, 'readable', 0, undefined)).toMatch(/only gives access/);
  });

  it('nothing at or after its expiration', () => {
    const token = base({ expiration: 1000 });
    expect(tokenExpired(token, 999)).toBe(false);
    expect(tokenRefusal(token, 'readable', 999, undefined)).toBeUndefined();
    expect(tokenRefusal(token, 'readable', 1000, undefined)).toMatch(/^forbidden - this token expired at 1970-01-01T00:00:01Z$/);
  });

  it('sameScope compares what a token allows, not when it was touched', () => {
    expect(sameScope(base(), base({ updatedAt: 5 }))).toBe(true);
    expect(sameScope(base(), base({ readable: false }))).toBe(false);
    expect(sameScope(base(), base({ feedId: 3 }))).toBe(false);
    expect(sameScope(base(), base({ expiration: 3 }))).toBe(false);
  });
});
