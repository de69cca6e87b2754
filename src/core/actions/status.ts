import type { FeedStatus, FeedStatusChangeRow } from '../../db/actions.js';
import type { Ctx } from '../context.js';
import type { FeedRow } from '../types.js';

interface Watch {
  userId: number;
  feedId: number;
  timeoutMs: number;
  /** The newest point's time (the feed's last_value_at). */
  lastAt: number | null;
  status: FeedStatus;
}

export interface StatusFlip {
  userId: number;
  feedId: number;
  change: FeedStatusChangeRow;
}

/**
 * Feed status (compat-notes §2.1 `status`, `feed_status_changes`): a watched feed is online while its
 * newest point is at most `status_timeout` minutes old, the rule the feed serializer shows. The timer
 * records each flip: offline when `tick()` finds the time passed, online again at the next point.
 *
 * Watched are the feeds with `status_notify` on and those a timer action waits on. The deadlines live
 * in memory, one entry per watched feed, so a point costs one map lookup and a tick one pass over the
 * watched feeds; nothing is read from the database but at start and when a feed changes.
 */
export class FeedStatusTimer {
  private readonly watches = new Map<number, Watch>();

  constructor(private readonly ctx: Ctx) {}

  has(feedId: number): boolean {
    return this.watches.has(feedId);
  }

  /** The feeds watched at start, each in the status last recorded for it (else the one the rule gives). */
  load(feeds: FeedRow[]): void {
    const recorded = this.ctx.stores.actions.lastStatuses(feeds.map((f) => f.id));
    for (const feed of feeds) this.watch(feed, recorded.get(feed.id));
  }

  /** Starts (or updates, after a change of timeout) the watch of a feed. */
  watch(feed: FeedRow, status?: FeedStatus): void {
    const was = this.watches.get(feed.id);
    const w: Watch = {
      userId: feed.userId,
      feedId: feed.id,
      timeoutMs: feed.statusTimeout * 60_000,
      lastAt: feed.lastValueAt,
      status: status ?? was?.status ?? 'online',
    };
    if (status === undefined && was === undefined) w.status = this.online(w, this.ctx.clock()) ? 'online' : 'offline';
    this.watches.set(feed.id, w);
  }

  unwatch(feedId: number): void {
    this.watches.delete(feedId);
  }

  /** The feeds of one user being watched. */
  watchedBy(userId: number): number[] {
    const out: number[] = [];
    for (const w of this.watches.values()) if (w.userId === userId) out.push(w.feedId);
    return out;
  }

  /** A point was stored on a watched feed: the flip back online, if it was offline. */
  seen(feed: FeedRow): StatusFlip | undefined {
    const w = this.watches.get(feed.id);
    if (!w) return undefined;
    w.lastAt = feed.lastValueAt;
    if (w.status === 'online' || !this.online(w, this.ctx.clock())) return undefined;
    return this.flip(w, 'online');
  }

  /** The watched feeds whose deadline has passed, flipped offline. */
  tick(): StatusFlip[] {
    const now = this.ctx.clock();
    const flips: StatusFlip[] = [];
    for (const w of this.watches.values()) {
      if (w.status !== 'online' || this.online(w, now)) continue;
      try {
        flips.push(this.flip(w, 'offline'));
      } catch (err) {
        // A busy database: the flip is tried again at the next tick.
        this.ctx.events.emit('error', { source: 'feed status timer', err });
      }
    }
    return flips;
  }

  private online(w: Watch, now: number): boolean {
    return w.lastAt !== null && now - w.lastAt <= w.timeoutMs;
  }

  private flip(w: Watch, to: FeedStatus): StatusFlip {
    const from = w.status;
    const change = this.ctx.tx.run(() =>
      this.ctx.stores.actions.addStatusChange({
        userId: w.userId,
        feedId: w.feedId,
        fromStatus: from,
        toStatus: to,
        createdAt: this.ctx.clock(),
      }),
    );
    w.status = to;
    return { userId: w.userId, feedId: w.feedId, change };
  }
}
