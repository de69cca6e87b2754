// time/* publishers (compat-notes §3.7): seconds, millis and ISO-8601 every second, hours when the
// UTC hour changes; a timer runs only while at least one client is subscribed to a time topic.
// Clock and timers are injected so tests step time with tick() instead of waiting for it.

import type { Clock } from '../core/clock.js';
import { timeHours, timeIso, timeMillis, timeSeconds } from '../core/time.js';
import type { TimeUnit } from './topics.js';

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

export interface TimePublisherOptions {
  clock: Clock;
  /** Which units have subscribers right now. */
  wanted: () => ReadonlySet<TimeUnit>;
  publish: (unit: TimeUnit, payload: string) => void;
  /** null: no timer at all, tests call tick(). */
  timers?: Timers | null;
}

const PER_SECOND: ReadonlyArray<[TimeUnit, (ms: number) => string]> = [
  ['seconds', timeSeconds],
  ['millis', timeMillis],
  ['ISO-8601', timeIso],
];

export class TimePublisher {
  private handle: unknown = undefined;
  private active = false;
  /** UTC hour (since the epoch) last seen while someone was subscribed to time/hours. */
  private lastHour: number | undefined;
  private readonly timers: Timers | null;

  constructor(private readonly opts: TimePublisherOptions) {
    this.timers = opts.timers === undefined ? realTimers : opts.timers;
  }

  /** Whether the publisher is running (someone is subscribed to a time topic). */
  get running(): boolean {
    return this.active;
  }

  /** Call after subscriptions change: starts the timer for the first subscriber, stops it after the last. */
  update(): void {
    const wanted = this.opts.wanted();
    if (!wanted.has('hours')) this.lastHour = undefined;
    else if (this.lastHour === undefined) this.lastHour = Math.floor(this.opts.clock() / 3_600_000);
    if (wanted.size > 0 && !this.active) {
      this.active = true;
      this.schedule();
    } else if (wanted.size === 0 && this.active) {
      this.stop();
    }
  }

  /** Publishes what is due now. Per-second topics every call; hours when the hour changed since last seen. */
  tick(): void {
    const wanted = this.opts.wanted();
    if (wanted.size === 0) return;
    const now = this.opts.clock();
    for (const [unit, format] of PER_SECOND) if (wanted.has(unit)) this.opts.publish(unit, format(now));
    if (wanted.has('hours')) {
      const hour = Math.floor(now / 3_600_000);
      if (this.lastHour !== undefined && hour !== this.lastHour) this.opts.publish('hours', timeHours(now));
      this.lastHour = hour;
    } else {
      this.lastHour = undefined;
    }
  }

  stop(): void {
    this.active = false;
    if (this.handle !== undefined && this.timers) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private schedule(): void {
    if (!this.timers || !this.active) return;
    // Aim just past the next whole second so the payloads read as round seconds.
    const delay = 1000 - (this.opts.clock() % 1000) + 1;
    this.handle = this.timers.setTimeout(() => {
      this.handle = undefined;
      if (!this.active) return;
      this.tick();
      this.schedule();
    }, delay);
  }
}
