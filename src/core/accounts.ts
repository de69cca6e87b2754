import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LimitedRecord } from './account-limits.js';
import type { Ctx } from './context.js';
import { AioError, invalid, notFound } from './errors.js';
import type { UserRow } from './types.js';

const USERNAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A key in today's Adafruit form: `aio_` and 28 letters and digits. */
export function generateKey(): string {
  const bytes = randomBytes(28);
  let out = 'aio_';
  // 248 = 4 × 62 keeps the choice unbiased.
  for (let i = 0; out.length < 32; i++) {
    const b = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (b < 248) out += KEY_ALPHABET[b % 62];
  }
  return out;
}

/** Keys verified recently, so that a request does not hash and query each time. */
const CACHE_MAX = 1000;
/**
 * How often the cache looks for commits by another connection (the account command). Asking on
 * every request cost a SQLite lock round trip each time, 14% of a data/last request's CPU.
 */
const EXTERNAL_CHECK_MS = 100;

export class Accounts {
  private readonly cache = new Map<string, UserRow>();
  private seenVersion = -1;
  private checkedAt = -Infinity;
  /** Watched users (see watchKey): user id → key hash a session logged in with → how many such sessions. */
  private readonly watched = new Map<number, Map<string, number>>();
  private watchVersion = -1;
  /** A hash joined the watch: compare at the next check even if no other connection committed. */
  private recheck = false;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {}

  /** Forgets the logins it remembers: after the control plane replaced or deleted accounts. */
  forgetCached(): void {
    this.cache.clear();
  }

  find(username: string): UserRow | undefined {
    return this.ctx.stores.accounts.byUsername(username);
  }

  list(): UserRow[] {
    return this.ctx.stores.accounts.list();
  }

  /** The owner of `key`, or undefined. The stored hash is compared in constant time. */
  authenticate(key: string | undefined): UserRow | undefined {
    if (!key) return undefined;
    const now = this.ctx.clock();
    if (now - this.checkedAt >= EXTERNAL_CHECK_MS || now < this.checkedAt) {
      this.checkedAt = now;
      // Changes when another connection (the account command) commits: then the cache may be stale.
      const version = this.ctx.stores.accounts.dataVersion();
      if (version !== this.seenVersion) {
        this.cache.clear();
        this.seenVersion = version;
      }
    }
    const cached = this.cache.get(key);
    if (cached) return cached;
    const hash = hashKey(key);
    const user = this.ctx.stores.accounts.byKeyHash(hash);
    if (!user) return undefined;
    if (!timingSafeEqual(Buffer.from(user.keyHash, 'hex'), Buffer.from(hash, 'hex'))) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, user);
    return user;
  }

  /** MQTT logs in with both; the username must match exactly (it is case-sensitive). */
  authenticateUser(username: string, key: string): UserRow | undefined {
    const user = this.authenticate(key);
    return user && user.username === username ? user : undefined;
  }

  /** Creates an account with its default group. */
  add(username: string, key: string = generateKey()): { user: UserRow; key: string } {
    if (!USERNAME_RE.test(username)) throw invalid(`"${username}" is not a valid username (letters, digits, _ and -)`);
    if (this.find(username)) throw new AioError(409, `user ${username} already exists`);
    this.assertKeyFree(key);
    const now = this.ctx.clock();
    this.cache.clear();
    const { accounts, groups } = this.ctx.stores;
    const user = this.ctx.tx.run(() => {
      const row = accounts.insert({ username, name: username, keyHash: hashKey(key), createdAt: now, updatedAt: now });
      groups.insert({ userId: row.id, key: 'default', name: 'Default', createdAt: now, updatedAt: now });
      return row;
    });
    return { user, key };
  }

  setKey(username: string, key: string = generateKey()): { user: UserRow; key: string } {
    const existing = this.find(username);
    if (!existing) throw notFound(`no user named ${username}`);
    if (existing.keyHash !== hashKey(key)) this.assertKeyFree(key);
    this.cache.clear();
    const user = this.ctx.stores.accounts.update(existing.id, { keyHash: hashKey(key), updatedAt: this.ctx.clock() })!;
    if (user.keyHash !== existing.keyHash) this.ctx.events.emit('account', { userId: user.id, change: 'key' });
    return { user, key };
  }

  /** The account's own data rate (points per minute, 0 = unlimited); null returns it to the server default. */
  setRateLimit(username: string, limit: number | null): UserRow {
    const existing = this.find(username);
    if (!existing) throw notFound(`no user named ${username}`);
    if (limit !== null && (!Number.isInteger(limit) || limit < 0))
      throw invalid('a rate limit is a whole number of points per minute, 0 for none');
    this.cache.clear();
    return this.ctx.stores.accounts.update(existing.id, { rateLimit: limit, updatedAt: this.ctx.clock() })!;
  }

  /**
   * The account's own caps on feeds, groups and dashboards (0 = unlimited); null returns one to the
   * server default (`AIO_MAX_*`), an absent one is left as it is.
   */
  setLimits(username: string, limits: Partial<Record<LimitedRecord, number | null>>): UserRow {
    const existing = this.find(username);
    if (!existing) throw notFound(`no user named ${username}`);
    for (const [kind, n] of Object.entries(limits)) {
      if (n !== null && n !== undefined && (!Number.isInteger(n) || n < 0)) throw invalid(`a ${kind} limit is a whole number, 0 for none`);
    }
    this.cache.clear();
    return this.ctx.stores.accounts.update(existing.id, {
      maxFeeds: limits.feeds,
      maxGroups: limits.groups,
      maxDashboards: limits.dashboards,
      updatedAt: this.ctx.clock(),
    })!;
  }

  /** Start-up: the configured account exists afterwards and answers to the configured key. */
  ensure(username: string, key: string | undefined): { user: UserRow; created: boolean; generatedKey?: string } {
    const existing = this.find(username);
    if (existing) {
      if (key !== undefined && existing.keyHash !== hashKey(key)) return { user: this.setKey(username, key).user, created: false };
      return { user: existing, created: false };
    }
    const made = this.add(username, key);
    return { user: made.user, created: true, generatedKey: key === undefined ? made.key : undefined };
  }

  defaultGroupId(userId: number): number {
    const row = this.ctx.stores.groups.byKey(userId, 'default');
    if (!row) throw new AioError(500, 'account has no default group');
    return row.id;
  }

  // ---------------------------------------------------------------------------------------------
  // Key watch. A door that keeps sessions open (MQTT) must end the ones that logged in with a key as
  // soon as the key is replaced. setKey() says so itself; the account command is another process
  // writing the same file, so while anyone is watched a timer asks SQLite's data_version every
  // keyCheckIntervalMs (one pragma, no table read) and only when another connection has committed
  // since does it re-read the watched users' key hashes. Both end in the same `account` event.

  /** Watches the key `user` logged in with (user.keyHash); returns the release. */
  watchKey(user: UserRow): () => void {
    let hashes = this.watched.get(user.id);
    if (!hashes) this.watched.set(user.id, (hashes = new Map()));
    const holders = hashes.get(user.keyHash) ?? 0;
    // A new hash may already be stale: a login served from the key cache (up to 0.1 s old) just
    // after another process replaced the key. The next check compares it whatever data_version says.
    if (holders === 0) this.recheck = true;
    hashes.set(user.keyHash, holders + 1);
    if (!this.watchTimer) {
      this.watchVersion = this.ctx.stores.accounts.dataVersion();
      this.watchTimer = setInterval(() => this.checkKeys(), this.ctx.config.keyCheckIntervalMs);
      this.watchTimer.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (hashes.get(user.keyHash) ?? 1) - 1;
      if (left > 0) hashes.set(user.keyHash, left);
      else hashes.delete(user.keyHash);
      if (hashes.size === 0) this.watched.delete(user.id);
      if (this.watched.size === 0) this.stop();
    };
  }

  /** One look for keys replaced behind our back; emits `account` for each watched user whose key is not the one watched. */
  checkKeys(): void {
    const store = this.ctx.stores.accounts;
    if (this.watched.size === 0 || !store.isOpen) return;
    const version = store.dataVersion();
    if (version === this.watchVersion && !this.recheck) return;
    this.watchVersion = version;
    this.recheck = false;
    const changed: number[] = [];
    for (const [userId, hashes] of this.watched) {
      const current = store.keyHash(userId);
      for (const hash of hashes.keys()) {
        if (hash !== current) {
          changed.push(userId);
          break;
        }
      }
    }
    // Listeners close sessions, which releases their watch: emit once the loop is done.
    for (const userId of changed) this.ctx.events.emit('account', { userId, change: 'key' });
  }

  /** Stops the key watch timer (the core is stopping, or nobody is watched). */
  stop(): void {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  private assertKeyFree(key: string): void {
    if (this.ctx.stores.accounts.byKeyHash(hashKey(key))) throw new AioError(409, 'that key is already in use by another account');
  }
}
