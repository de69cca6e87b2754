// time/* topics (compat-notes §3.7): seconds, millis and ISO-8601 every second, hours every hour, only
// while subscribed. Time is stepped with a fake clock and tick(); nothing waits for the wall clock.
import { describe, expect, it } from 'vitest';
import { TimePublisher, type Timers } from '../../src/mqtt/time.js';
import type { TimeUnit } from '../../src/mqtt/topics.js';
import { FakeClock } from '../helpers.js';
import { Inbox, mqttTestWith } from './helpers.js';

/** Timers that run only when the test says so. */
class ManualTimers implements Timers {
  pending = new Map<number, { fn: () => void; ms: number }>();
  private seq = 0;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Runs what is due; returns the delays they were scheduled with. */
  fire(): number[] {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, t] of due) t.fn();
    return due.map(([, t]) => t.ms);
  }
}

describe('TimePublisher', () => {
  const make = (wanted: TimeUnit[], clock: FakeClock, timers: Timers | null = null) => {
    const sent: Array<[TimeUnit, string]> = [];
    const set = new Set<TimeUnit>(wanted);
    const p = new TimePublisher({ clock: clock.now, timers, wanted: () => set, publish: (u, v) => sent.push([u, v]) });
    return { p, sent, set };
  };

  it('publishes seconds, millis and ISO-8601 in the documented formats', () => {
    const clock = new FakeClock(Date.parse('2019-07-03T14:47:16.038Z'));
    const { p, sent } = make(['seconds', 'millis', 'ISO-8601'], clock);
    p.tick();
    expect(sent).toEqual([
      ['seconds', '1562165236'],
      ['millis', '1562165236038'],
      ['ISO-8601', '2019-07-03T14:47:16.038Z'],
    ]);
  });

  it('publishes only the units someone is subscribed to', () => {
    const clock = new FakeClock();
    const { p, sent } = make(['millis'], clock);
    p.tick();
    expect(sent.map(([u]) => u)).toEqual(['millis']);
  });

  it('publishes time/hours once when the UTC hour changes, as the hour of day', () => {
    const clock = new FakeClock(Date.parse('2026-01-15T12:59:58.000Z'));
    const { p, sent } = make(['hours'], clock);
    p.update();
    p.tick();
    clock.advance(1000);
    p.tick();
    expect(sent).toEqual([]);
    clock.advance(1000); // 13:00:00
    p.tick();
    clock.advance(1000);
    p.tick();
    expect(sent).toEqual([['hours', '13']]);
  });

  it('runs a timer only while someone is subscribed, aligned to the next whole second', () => {
    const clock = new FakeClock(Date.parse('2026-01-15T12:00:00.250Z'));
    const timers = new ManualTimers();
    const { p, sent, set } = make([], clock, timers);
    p.update();
    expect(p.running).toBe(false);
    expect(timers.pending.size).toBe(0);
    set.add('seconds');
    p.update();
    expect(p.running).toBe(true);
    expect(timers.fire()).toEqual([751]);
    expect(sent).toEqual([['seconds', String(Math.floor(clock.ms / 1000))]]);
    expect(timers.pending.size).toBe(1); // rescheduled
    set.clear();
    p.update();
    expect(p.running).toBe(false);
    expect(timers.pending.size).toBe(0);
  });
});

describe('time topics over MQTT', () => {
  const it = mqttTestWith({ fakeClock: Date.parse('2026-01-15T12:59:59.500Z') });

  it('anonymous clients receive time/seconds, millis and ISO-8601 on each tick', async ({ t }) => {
    const anon = await t.connect(null);
    const inbox = new Inbox(anon);
    await anon.subscribeAsync(['time/seconds', 'time/millis', 'time/ISO-8601']);
    t.broker.time.tick();
    await inbox.waitFor((m) => m.topic === 'time/ISO-8601');
    expect(inbox.list()).toEqual(['time/ISO-8601 2026-01-15T12:59:59.500Z', 'time/millis 1768481999500', 'time/seconds 1768481999']);
  });

  it('`time/+` receives every unit once per tick; hours only when the hour turns', async ({ t, clock }) => {
    const { client, inbox } = await t.listen(t.alice, ['time/+', 'time/seconds']);
    t.broker.time.tick();
    clock.advance(1000); // 13:00:00.500
    t.broker.time.tick();
    await t.barrier(client, inbox);
    const topics = inbox.withoutBarrier().map((m) => m.topic);
    expect(topics.filter((x) => x === 'time/seconds')).toHaveLength(2);
    expect(topics.filter((x) => x === 'time/hours')).toHaveLength(1);
    expect(inbox.on('time/hours').payload).toBe('13');
  });

  it('publishes nothing when nobody is subscribed, and stops after the last unsubscribe', async ({ t }) => {
    expect(t.broker.time.running).toBe(false);
    const { client, inbox } = await t.listen(t.alice, ['time/seconds']);
    expect(t.broker.time.running).toBe(true);
    await client.unsubscribeAsync('time/seconds');
    expect(t.broker.time.running).toBe(false);
    t.broker.time.tick();
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual([]);
  });

  it('the timer stops when the only subscriber disconnects', async ({ t }) => {
    const anon = await t.connect(null);
    await anon.subscribeAsync('time/seconds');
    expect(t.broker.time.running).toBe(true);
    await anon.endAsync();
    await expect.poll(() => t.broker.time.running).toBe(false);
  });
});
