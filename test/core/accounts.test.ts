import Database from 'better-sqlite3';
import { describe, expect } from 'vitest';
import { generateKey, hashKey } from '../../src/core/accounts.js';
import type { AccountEvent } from '../../src/core/events.js';
import { coreTest as it, FakeClock, makeCore, type TestCore } from '../helpers.js';

describe('accounts', () => {
  it('store keys hashed, never in the clear', ({ t }) => {
    const raw = t.db.$client.prepare('SELECT * FROM users').all();
    expect(JSON.stringify(raw)).not.toContain(t.alice.key);
    expect((raw[0] as { key_hash: string }).key_hash).toBe(hashKey(t.alice.key));
  });

  it('authenticate by key, and MQTT-style by exact username and key', ({ t }) => {
    expect(t.core.accounts.authenticate(t.alice.key)?.username).toBe('alice');
    expect(t.core.accounts.authenticate('nope')).toBeUndefined();
    expect(t.core.accounts.authenticate(undefined)).toBeUndefined();
    expect(t.core.accounts.authenticateUser('alice', t.alice.key)?.id).toBe(t.alice.user.id);
    expect(t.core.accounts.authenticateUser('Alice', t.alice.key)).toBeUndefined();
    expect(t.core.accounts.authenticateUser('bob', t.alice.key)).toBeUndefined();
  });

  it('a key rotated by another process (the account command) stops working within 100 ms', () => {
    const clock = new FakeClock();
    const c = makeCore({ clock: clock.now });
    try {
      expect(c.core.accounts.authenticate(c.alice.key)?.username).toBe('alice'); // now cached
      const other = new Database(c.config.dbPath);
      other.prepare('UPDATE users SET key_hash = ? WHERE username = ?').run(hashKey('rotated-elsewhere'), 'alice');
      other.close();
      clock.advance(99);
      expect(c.core.accounts.authenticate(c.alice.key)?.username).toBe('alice');
      clock.advance(1);
      expect(c.core.accounts.authenticate(c.alice.key)).toBeUndefined();
      expect(c.core.accounts.authenticate('rotated-elsewhere')?.username).toBe('alice');
    } finally {
      c.close();
    }
  });

  it('a key rotated by another process is refused at once when it was not cached', ({ t }) => {
    const other = new Database(t.config.dbPath);
    other.prepare('UPDATE users SET key_hash = ? WHERE username = ?').run(hashKey('rotated-elsewhere'), 'alice');
    other.close();
    expect(t.core.accounts.authenticate(t.alice.key)).toBeUndefined();
    expect(t.core.accounts.authenticate('rotated-elsewhere')?.username).toBe('alice');
  });

  it('a key rotated here stops working at once, and rate limits apply at once', ({ t }) => {
    expect(t.core.accounts.authenticate(t.bob.key)?.rateLimit).toBeNull();
    t.core.accounts.setRateLimit('bob', 5);
    expect(t.core.accounts.authenticate(t.bob.key)?.rateLimit).toBe(5);
    t.core.accounts.setKey('bob', 'bob-new');
    expect(t.core.accounts.authenticate(t.bob.key)).toBeUndefined();
  });

  it('make keys in the aio_ form', () => {
    const k = generateKey();
    expect(k).toMatch(/^aio_[A-Za-z0-9]{28}$/);
    expect(generateKey()).not.toBe(k);
  });

  it('ensure creates, updates the key of, or leaves an account', ({ t }) => {
    const made = t.core.accounts.ensure('carol', undefined);
    expect(made.created).toBe(true);
    expect(made.generatedKey).toMatch(/^aio_/);
    expect(t.core.accounts.ensure('carol', undefined)).toMatchObject({ created: false });
    expect(t.core.accounts.ensure('carol', 'carol-new').generatedKey).toBeUndefined();
    expect(t.core.accounts.authenticate('carol-new')?.username).toBe('carol');
    expect(t.core.accounts.authenticate(made.generatedKey)).toBeUndefined();
    expect(t.core.groups.defaultGroup(made.user).key).toBe('default');
  });

  it('refuse duplicate usernames, shared keys and bad names', ({ t }) => {
    expect(() => t.core.accounts.add('alice')).toThrow(/exists/);
    expect(() => t.core.accounts.add('dave', t.bob.key)).toThrow(/in use/);
    expect(() => t.core.accounts.add('no spaces')).toThrow(/valid username/);
    expect(() => t.core.accounts.setKey('nobody')).toThrow(/no user/);
  });
});

describe('key watch', () => {
  /** Replaces alice's key hash through a second connection, as the account command does. */
  function rotateElsewhere(c: TestCore, key = 'rotated-elsewhere'): void {
    const other = new Database(c.config.dbPath);
    other.prepare('UPDATE users SET key_hash = ? WHERE username = ?').run(hashKey(key), 'alice');
    other.close();
  }

  function events(c: TestCore): AccountEvent[] {
    const seen: AccountEvent[] = [];
    c.core.events.on('account', (e) => seen.push(e));
    return seen;
  }

  it('setKey and ensure announce a replaced key, and only a replaced one', ({ t }) => {
    const seen = events(t);
    t.core.accounts.setKey('bob', 'bob-new');
    expect(seen).toEqual([{ userId: t.bob.user.id, change: 'key' }]);
    t.core.accounts.ensure('bob', 'bob-new');
    t.core.accounts.setRateLimit('bob', 5);
    expect(seen).toHaveLength(1);
    t.core.accounts.ensure('bob', 'bob-newer');
    expect(seen).toHaveLength(2);
  });

  it("a watched user's key replaced by another connection is found; the table is read only after such a commit", ({ t }) => {
    const seen = events(t);
    t.core.accounts.watchKey(t.alice.user);
    t.core.accounts.checkKeys();
    expect(seen).toEqual([]);
    // Written on the core's own connection behind its back: data_version does not move, so no look.
    t.db.$client.prepare('UPDATE users SET key_hash = ? WHERE username = ?').run(hashKey('sneaky'), 'alice');
    t.core.accounts.checkKeys();
    expect(seen).toEqual([]);
    // Any commit by another connection makes the next check read the watched hashes.
    const other = new Database(t.config.dbPath);
    other.prepare('UPDATE users SET rate_limit = 7 WHERE username = ?').run('bob');
    other.close();
    t.core.accounts.checkKeys();
    expect(seen).toEqual([{ userId: t.alice.user.id, change: 'key' }]);
  });

  it('a login with a key already replaced (served from the key cache) is found at the next check', ({ t }) => {
    const seen = events(t);
    rotateElsewhere(t);
    t.core.accounts.watchKey(t.alice.user); // the hash alice logged in with is the old one
    t.core.accounts.checkKeys();
    expect(seen).toEqual([{ userId: t.alice.user.id, change: 'key' }]);
  });

  it('a released watch hears nothing more; other users are not reported', ({ t }) => {
    const seen = events(t);
    const release = t.core.accounts.watchKey(t.alice.user);
    t.core.accounts.watchKey(t.bob.user);
    t.core.accounts.checkKeys();
    release();
    rotateElsewhere(t);
    t.core.accounts.checkKeys();
    expect(seen).toEqual([]);
  });

  it('checks on its own every keyCheckIntervalMs while someone is watched', async () => {
    const c = makeCore({ config: { keyCheckIntervalMs: 10 } });
    try {
      const seen = events(c);
      c.core.accounts.watchKey(c.alice.user);
      rotateElsewhere(c);
      const deadline = Date.now() + 2000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(seen).toEqual([{ userId: c.alice.user.id, change: 'key' }]);
    } finally {
      c.close();
    }
  });
});
