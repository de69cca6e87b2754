import type { Clock } from './clock.js';
import { AioError } from './errors.js';
import type { CoreEventBus } from './events.js';
import { MinuteWindow } from './minute-window.js';
import type { UserRow } from './types.js';

interface Bucket {
  tokens: number;
  at: number;
  capacity: number;
  recent: MinuteWindow;
  lastNotice: number;
}

/**
 * One token bucket per user, shared by every door: capacity and refill are the user's data rate
 * (points per minute). Data creates, updates and deletes take one token each, and so do feed and
 * group changes. A refused request takes nothing, so a batch is all or nothing.
 */
export class Limiter {
  private readonly buckets = new Map<number, Bucket>();
  /** Writes refused so far, every one (notices are at most one a second); read by core/metrics.ts. */
  refusals = 0;

  constructor(
    private readonly clock: Clock,
    private readonly events: CoreEventBus,
    private readonly defaultLimit: number,
    /** Refusal notices per user are at most this often, so a flood does not become a flood of notices. */
    private readonly noticeIntervalMs = 1000,
  ) {}

  /** Drops a user's bucket (all of them without one): the next write starts full (test control plane reset). */
  forget(userId?: number): void {
    if (userId === undefined) this.buckets.clear();
    else this.buckets.delete(userId);
  }

  limitFor(user: UserRow): number {
    return user.rateLimit ?? this.defaultLimit;
  }

  /** Takes `n` tokens or throws a 429 (and announces it on the throttle channel). */
  take(user: UserRow, n: number): void {
    if (n <= 0) return;
    const now = this.clock();
    const bucket = this.bucket(user, now);
    if (bucket.capacity > 0) {
      if (bucket.tokens < n) this.refuse(user, bucket, n, now);
      bucket.tokens -= n;
    }
    bucket.recent.add(now, n);
  }

  /** Throws like take() would, without taking anything. */
  check(user: UserRow, n: number): void {
    const now = this.clock();
    const bucket = this.bucket(user, now);
    if (bucket.capacity > 0 && bucket.tokens < n) this.refuse(user, bucket, n, now);
  }

  /** Points written in the last 60 seconds. */
  activeRate(user: UserRow): number {
    const now = this.clock();
    return this.buckets.get(user.id)?.recent.total(now) ?? 0;
  }

  private bucket(user: UserRow, now: number): Bucket {
    const capacity = this.limitFor(user);
    let b = this.buckets.get(user.id);
    if (!b) {
      b = { tokens: capacity, at: now, capacity, recent: new MinuteWindow(), lastNotice: -Infinity };
      this.buckets.set(user.id, b);
      return b;
    }
    if (b.capacity !== capacity) {
      // A changed limit applies at once, keeping what was used in proportion.
      b.tokens = b.capacity > 0 ? (b.tokens / b.capacity) * capacity : capacity;
      b.capacity = capacity;
    }
    if (capacity > 0 && now > b.at) b.tokens = Math.min(capacity, b.tokens + ((now - b.at) * capacity) / 60_000);
    b.at = now;
    return b;
  }

  private refuse(user: UserRow, b: Bucket, n: number, now: number): never {
    this.refusals++;
    const waitSeconds = n > b.capacity ? 60 : Math.max(1, Math.ceil(((n - b.tokens) * 60) / b.capacity));
    const message = `${user.username} data rate limit reached, ${waitSeconds} seconds until throttle released`;
    if (now - b.lastNotice >= this.noticeIntervalMs) {
      b.lastNotice = now;
      this.events.emit('throttle', { user, waitSeconds, message });
    }
    throw new AioError(
      429,
      n > b.capacity
        ? `request failed - ${n} data points is more than the limit of ${b.capacity} per minute for ${user.username}`
        : `request failed - ${message}`,
    );
  }
}
