// The clock the test control plane steers. The core is given `now` as its Clock, so every reader of
// time (created_at, rate buckets, bans, token expiry, time topics, schedules, retention) follows it
// without knowing it exists. With the control plane off, the core gets the plain system clock instead.

import { AioError } from './errors.js';
import { systemClock, type Clock } from './clock.js';

export type ClockMode = 'system' | 'frozen' | 'offset';

export interface ClockState {
  now: number;
  mode: ClockMode;
  /** Frozen: the fixed instant; offset: milliseconds added to the underlying clock; system: 0. */
  offsetMs: number;
}

/** Told after every change; `jumpMs` is how far now moved (negative: back). */
export type ClockListener = (change: { state: ClockState; jumpMs: number }) => void;

/** Past year 9999 or before 1970 nothing in the API can print the date. */
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

export class ControlClock {
  private mode: ClockMode = 'system';
  private frozenAt = 0;
  private offsetMs = 0;
  private readonly listeners = new Set<ClockListener>();

  /** `base`: the underlying clock (the wall clock; a FakeClock in tests). */
  constructor(private readonly base: Clock = systemClock) {}

  readonly now: Clock = () => (this.mode === 'frozen' ? this.frozenAt : this.base() + this.offsetMs);

  state(): ClockState {
    return { now: this.now(), mode: this.mode, offsetMs: this.mode === 'frozen' ? 0 : this.offsetMs };
  }

  onChange(fn: ClockListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Time stands still at `at` until advanced or released. */
  freeze(at: number): ClockState {
    checkInstant(at, 'at');
    return this.change(() => {
      this.mode = 'frozen';
      this.frozenAt = at;
    });
  }

  /** Time runs at the system's pace, shifted by `ms`. */
  offset(ms: number): ClockState {
    checkInstant(this.base() + ms, 'offset_ms');
    return this.change(() => {
      this.mode = 'offset';
      this.offsetMs = ms;
    });
  }

  /** Moves now forward by `ms`: a frozen clock stays frozen, a system clock becomes an offset one. */
  advance(ms: number): ClockState {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new AioError(400, 'ms must be a whole number of milliseconds, 0 or more');
    checkInstant(this.now() + ms, 'ms');
    return this.change(() => {
      if (this.mode === 'frozen') this.frozenAt += ms;
      else {
        this.mode = 'offset';
        this.offsetMs += ms;
      }
    });
  }

  /** Back to the underlying clock. */
  system(): ClockState {
    return this.change(() => {
      this.mode = 'system';
      this.offsetMs = 0;
    });
  }

  private change(apply: () => void): ClockState {
    const before = this.now();
    apply();
    const state = this.state();
    const change = { state, jumpMs: state.now - before };
    for (const fn of this.listeners) fn(change);
    return state;
  }
}

function checkInstant(ms: number, field: string): void {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_MS) {
    throw new AioError(400, `${field} would put the clock outside 1970-01-01 to 9999-12-31`);
  }
}
