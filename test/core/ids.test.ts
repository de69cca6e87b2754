import { describe, expect, it } from 'vitest';
import { IdFactory, ID_RE, idTimeMs, timePrefix } from '../../src/core/ids.js';

describe('data ids', () => {
  it('are 26 Crockford base32 characters whose top 48 bits are the time in 100 µs units', () => {
    const ms = Date.parse('2020-07-10T13:52:52.190Z');
    const id = new IdFactory().next(ms);
    expect(id).toMatch(ID_RE);
    expect(idTimeMs(id)).toBe(ms);
    // A real id from the hosted service decodes to its created_at (compat notes 1.10).
    expect(Math.floor(idTimeMs('0EG0X017NK0000000000000000') / 1000)).toBe(1594389172);
  });

  it('sort by time, and ids made in the same millisecond keep their order', () => {
    const f = new IdFactory();
    const ids = [f.next(1000), f.next(1000), f.next(1000), f.next(999), f.next(2000)];
    expect(ids[0]! < ids[1]! && ids[1]! < ids[2]!).toBe(true);
    expect(ids[3]! < ids[0]!).toBe(true);
    expect(ids[4]! > ids[2]!).toBe(true);
    expect(new Set(ids).size).toBe(5);
  });

  it('time prefixes bound every id of their millisecond', () => {
    const f = new IdFactory();
    const id = f.next(5000);
    expect(id > timePrefix(5000)).toBe(true);
    expect(id < timePrefix(5001)).toBe(true);
  });
});
