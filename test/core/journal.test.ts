import { describe, expect, test } from 'vitest';
import { Journal, journalFilter, LATER } from '../../src/core/journal.js';
import { FakeClock } from '../helpers.js';

function pub(account: string, topic: string, dir: 'in' | 'out' = 'in') {
  return { account, door: 'mqtt' as const, dir, packet: 'publish', topic, client_id: 'c1' };
}

describe('journal', () => {
  test('entries carry a global seq and the core clock time; list filters by account and fields', () => {
    const clock = new FakeClock();
    const j = new Journal(clock.now, 100);
    j.append(pub('alice', 'alice/f/a'));
    clock.advance(5);
    j.append(pub('bob', 'bob/f/a'));
    j.append(pub('alice', 'alice/f/b', 'out'));
    const all = j.list('alice');
    expect(all.entries.map((e) => e.seq)).toEqual([1, 3]);
    expect(all.entries[1]).toMatchObject({ at: new Date(clock.ms).toISOString(), fault: null, dir: 'out' });
    expect(all.next_since).toBe(3);
    expect(j.list('alice', { topic: 'alice/f/+', dir: 'in' }).entries.map((e) => e.topic)).toEqual(['alice/f/a']);
    expect(j.list('alice', {}, 1).entries.map((e) => e.seq)).toEqual([3]);
    expect(j.count('alice', { packet: 'publish' })).toBe(2);
  });

  test('limit cuts the page and next_since continues from it', () => {
    const j = new Journal(new FakeClock().now, 100);
    for (let i = 0; i < 5; i++) j.append(pub('alice', `alice/f/${i}`));
    const first = j.list('alice', {}, 0, 2);
    expect(first.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect(first.next_since).toBe(2);
    expect(j.list('alice', {}, first.next_since, 10).entries.map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  test('bounded: the oldest entries go first and are counted per account', () => {
    const j = new Journal(new FakeClock().now, 3);
    j.append(pub('bob', 'bob/f/0'));
    for (let i = 1; i <= 10; i++) j.append(pub('alice', `alice/f/${i}`));
    const page = j.list('alice');
    expect(page.entries.map((e) => e.topic)).toEqual(['alice/f/8', 'alice/f/9', 'alice/f/10']);
    expect(page.dropped).toBe(7);
    expect(j.list('bob').dropped).toBe(1);
  });

  test('bounded: seq cursors, counts and clear keep working once the ring has wrapped', () => {
    const j = new Journal(new FakeClock().now, 4);
    for (let i = 1; i <= 11; i++) j.append(pub(i % 3 === 0 ? 'bob' : 'alice', `x/f/${i}`));
    // Kept: seqs 8 to 11, with the oldest (8) at the ring's middle.
    expect(j.list('alice').entries.map((e) => e.seq)).toEqual([8, 10, 11]);
    expect(j.list('alice', {}, 8).entries.map((e) => e.seq)).toEqual([10, 11]);
    expect(j.list('alice', {}, 3).entries.map((e) => e.seq)).toEqual([8, 10, 11]);
    expect(j.list('alice', {}, 0, 2)).toMatchObject({ next_since: 10 });
    expect(j.count('alice', { topic: 'x/f/+' }, 9)).toBe(2);
    expect(j.list('bob').entries.map((e) => e.seq)).toEqual([9]);
    j.clear('bob');
    j.append(pub('alice', 'x/f/12'));
    expect(j.list('alice').entries.map((e) => e.seq)).toEqual([8, 10, 11, 12]);
    j.append(pub('alice', 'x/f/13'));
    expect(j.list('alice').entries.map((e) => e.seq)).toEqual([10, 11, 12, 13]);
  });

  test('clear forgets one account only', () => {
    const j = new Journal(new FakeClock().now, 10);
    j.append(pub('alice', 'alice/f/a'));
    j.append(pub('bob', 'bob/f/a'));
    j.clear('alice');
    expect(j.list('alice').entries).toEqual([]);
    expect(j.list('bob').entries).toHaveLength(1);
    j.append(pub('alice', 'alice/f/b'));
    expect(j.list('alice').entries[0]?.seq).toBe(3);
  });

  test('fields a door leaves for later are built once, when an entry is first read, with the time it was made', async () => {
    const clock = new FakeClock();
    const j = new Journal(clock.now, 100);
    let built = 0;
    const later = () => {
      built++;
      return { payload: 'hello' };
    };
    j.append({ ...pub('alice', 'alice/f/a'), [LATER]: later });
    const made = new Date(clock.ms).toISOString();
    clock.advance(5000);
    j.append({ ...pub('alice', 'alice/f/b'), [LATER]: later });
    expect(j.count('alice', { topic: 'alice/f/+' })).toBe(2);
    expect(built).toBe(0);
    const first = j.list('alice', { topic: 'alice/f/a' });
    expect(first.entries).toEqual([
      {
        seq: 1,
        at: made,
        account: 'alice',
        door: 'mqtt',
        dir: 'in',
        packet: 'publish',
        topic: 'alice/f/a',
        client_id: 'c1',
        fault: null,
        payload: 'hello',
      },
    ]);
    expect(JSON.parse(JSON.stringify(first.entries[0]))).toEqual(first.entries[0]);
    expect(built).toBe(1);
    const both = await j.wait('alice', {}, 2, 0, 1000);
    expect(both.entries.map((e) => [e.at, e.payload])).toEqual([
      [made, 'hello'],
      [new Date(clock.ms).toISOString(), 'hello'],
    ]);
    j.list('alice');
    expect(built).toBe(2);
  });

  test('a wait finds history from since first, then new entries', async () => {
    const j = new Journal(new FakeClock().now, 10);
    j.append(pub('alice', 'alice/f/a'));
    const done = await j.wait('alice', { topic: 'alice/f/a' }, 1, 0, 1000);
    expect(done).toMatchObject({ matched: true, next_since: 1 });
    const waiting = j.wait('alice', { topic: 'alice/f/a' }, 2, 0, 60_000);
    j.append(pub('bob', 'alice/f/a'));
    j.append(pub('alice', 'alice/f/b'));
    j.append(pub('alice', 'alice/f/a'));
    const got = await waiting;
    expect(got.matched).toBe(true);
    expect(got.entries.map((e) => e.seq)).toEqual([1, 4]);
    expect(got.next_since).toBe(4);
  });

  test('a wait that times out answers matched false with what it found', async () => {
    const j = new Journal(new FakeClock().now, 10);
    j.append(pub('alice', 'alice/f/a'));
    const got = await j.wait('alice', {}, 2, 0, 20);
    expect(got).toMatchObject({ matched: false, next_since: 1 });
    expect(got.entries).toHaveLength(1);
  });

  test('close ends the waits', async () => {
    const j = new Journal(new FakeClock().now, 10);
    const waiting = j.wait('alice', {}, 1, 0, 60_000);
    j.close();
    expect((await waiting).matched).toBe(false);
  });

  test('filters name known fields only', () => {
    expect(() => journalFilter({ colour: 'red' })).toThrow(/match\.colour/);
    expect(() => journalFilter([])).toThrow(/match must be an object/);
    expect(journalFilter({ status: 503 })).toEqual({ status: '503' });
  });
});
