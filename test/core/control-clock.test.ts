import { describe, expect, it } from 'vitest';
import { ControlClock } from '../../src/core/control-clock.js';
import { AioError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers.js';

const T0 = Date.parse('2026-01-15T12:00:00Z');

describe('ControlClock', () => {
  it('follows the underlying clock in system mode', () => {
    const base = new FakeClock(T0);
    const c = new ControlClock(base.now);
    expect(c.state()).toEqual({ now: T0, mode: 'system', offsetMs: 0 });
    base.advance(1500);
    expect(c.now()).toBe(T0 + 1500);
  });

  it('stands still when frozen, moves only when advanced, and goes back to system time', () => {
    const base = new FakeClock(T0);
    const c = new ControlClock(base.now);
    const at = Date.parse('2030-06-01T00:00:00Z');
    c.freeze(at);
    base.advance(60_000);
    expect(c.state()).toEqual({ now: at, mode: 'frozen', offsetMs: 0 });
    c.advance(5_000);
    expect(c.now()).toBe(at + 5_000);
    expect(c.state().mode).toBe('frozen');
    c.system();
    expect(c.state()).toEqual({ now: T0 + 60_000, mode: 'system', offsetMs: 0 });
  });

  it('runs shifted by an offset; advancing a system clock makes it an offset one', () => {
    const base = new FakeClock(T0);
    const c = new ControlClock(base.now);
    c.advance(3_600_000);
    expect(c.state()).toEqual({ now: T0 + 3_600_000, mode: 'offset', offsetMs: 3_600_000 });
    base.advance(1000);
    expect(c.now()).toBe(T0 + 3_601_000);
    c.offset(-1000);
    expect(c.now()).toBe(T0);
    c.advance(10);
    expect(c.state().offsetMs).toBe(-990);
  });

  it('tells listeners how far now moved', () => {
    const c = new ControlClock(new FakeClock(T0).now);
    const jumps: number[] = [];
    const off = c.onChange(({ jumpMs }) => jumps.push(jumpMs));
    c.advance(1000);
    c.freeze(T0);
    c.system();
    off();
    c.advance(5);
    expect(jumps).toEqual([1000, -1000, 0]);
  });

  it('refuses a negative or fractional advance and instants outside 1970..9999, changing nothing', () => {
    const c = new ControlClock(new FakeClock(T0).now);
    for (const bad of [
      () => c.advance(-1),
      () => c.advance(1.5),
      () => c.freeze(-1),
      () => c.freeze(Number.NaN),
      () => c.offset(-T0 - 1),
    ]) {
      expect(bad).toThrow(AioError);
    }
    expect(c.state()).toEqual({ now: T0, mode: 'system', offsetMs: 0 });
  });
});
