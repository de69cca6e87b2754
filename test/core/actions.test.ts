import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type ActionSettings, type Config } from '../../src/config.js';
import { compare } from '../../src/core/actions/records.js';
import { compileSchedule } from '../../src/core/actions/schedule.js';
import { AioError } from '../../src/core/errors.js';
import type { Fields } from '../../src/core/feeds.js';
import type { FeedRow } from '../../src/core/types.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { Core } from '../../src/core/core.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

const MIN = 60_000;

let t: TestCore;
let running = false;
let clock: FakeClock;
let reports: string[];

function start(actions: Partial<ActionSettings> = {}, config: Partial<Config> = {}) {
  if (running) t.close();
  running = true;
  clock = new FakeClock();
  t = makeCore({ clock: clock.now, config: { ...config, actions: { ...loadConfig({}).actions, ...actions } } });
  reports = [];
  t.core.events.on('report', (r) => reports.push(`${r.user.username}: ${r.message}`));
}
beforeEach(() => start());
afterEach(() => {
  t.close();
  running = false;
});

const feed = (name: string, fields: Fields = {}) =>
  t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name, ...fields });
const values = (f: FeedRow) =>
  t.core.data
    .page(f, { limit: 100 })
    .rows.map((r) => r.value)
    .reverse();
const create = (fields: Fields) => t.core.actions.create(t.alice.user, fields);

/** Stores a point as a door does (group commit), then waits until every action it fired is done. */
async function write(f: FeedRow, value: string) {
  await t.core.data.soon(() => t.core.data.create(t.alice.user, t.core.feeds.byIdFor(t.alice.user, f.id)!, [{ value }]));
  await t.core.actions.settled();
}

function refusal(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AioError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error('no error');
}

describe('comparisons', () => {
  it('compare numbers as numbers when both sides are numbers', () => {
    expect(compare('gt', '31', '30')).toBe(true);
    expect(compare('gt', '9', '30')).toBe(false); // as text "9" > "30"
    expect(compare('eq', '30.0', '30')).toBe(true);
    expect(compare('gte', '30', '30')).toBe(true);
    expect(compare('lt', '-1e3', '0')).toBe(true);
    expect(compare('lte', '2', '1')).toBe(false);
    expect(compare('ne', '1', '1.00')).toBe(false);
  });

  it('compare text as text otherwise', () => {
    expect(compare('eq', 'ON', 'ON')).toBe(true);
    expect(compare('eq', 'ON', 'on')).toBe(false);
    expect(compare('ne', 'ON', 'OFF')).toBe(true);
    expect(compare('gt', 'b', 'a')).toBe(true);
    expect(compare('gt', '30', 'abc')).toBe(false);
  });
});

describe('schedules', () => {
  const at = (iso: string) => Date.parse(iso);

  it('every N minutes or hours, counted from the anchor', () => {
    const s = compileSchedule('Every  5 Minutes', 'UTC', at('2026-01-15T12:00:00Z'));
    expect(s.text).toBe('every 5 minutes');
    expect(new Date(s.next(at('2026-01-15T12:00:00Z'))!).toISOString()).toBe('2026-01-15T12:05:00.000Z');
    expect(new Date(s.next(at('2026-01-15T12:07:30Z'))!).toISOString()).toBe('2026-01-15T12:10:00.000Z');
    expect(compileSchedule('every hour', 'UTC', 0).text).toBe('every hour');
    expect(compileSchedule('every 2 hours', 'UTC', 0).next(0)).toBe(2 * 60 * MIN);
  });

  it('daily at a time and cron expressions, in the owner’s time zone', () => {
    const daily = compileSchedule('daily at 7:30', 'Europe/Paris', 0);
    expect(daily.text).toBe('daily at 07:30');
    expect(new Date(daily.next(at('2026-01-15T12:00:00Z'))!).toISOString()).toBe('2026-01-16T06:30:00.000Z');
    const cron = compileSchedule('0 */6 * * *', 'UTC', 0);
    expect(new Date(cron.next(at('2026-01-15T12:00:00Z'))!).toISOString()).toBe('2026-01-15T18:00:00.000Z');
  });

  it('refuse what they cannot read, with a 422 naming the schedule', () => {
    for (const bad of ['every 0 minutes', 'every 50000 hours', 'daily at 25:00', '61 * * * *', 'sometimes', '* * *']) {
      expect(() => compileSchedule(bad, 'UTC', 0), bad).toThrow(AioError);
      try {
        compileSchedule(bad, 'UTC', 0);
      } catch (e) {
        expect((e as AioError).status).toBe(422);
        expect((e as AioError).message).toContain(`schedule "${bad}"`);
      }
    }
  });
});

describe('reactive actions', () => {
  it('fire on a point that passes the comparison, writing action_value to the action feed', async () => {
    const temp = feed('Temp');
    const fan = feed('Fan');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id, action_value: 'ON' });
    await write(temp, '25');
    expect(values(fan)).toEqual([]);
    await write(temp, '31');
    expect(values(fan)).toEqual(['ON']);
    expect(values(temp)).toEqual(['25', '31']);
  });

  it('compare with the last value of to_feed_id, and send the incoming value when action_value is null', async () => {
    const inside = feed('Inside');
    const outside = feed('Outside');
    const log = feed('Log');
    create({ feed_id: inside.id, operator: 'lt', to_feed_id: outside.id, action: 'feed', action_feed_id: log.id });
    await write(inside, '10'); // Outside has no value yet: nothing to compare with
    await write(outside, '20');
    await write(inside, '25');
    await write(inside, '15');
    expect(values(log)).toEqual(['15']);
  });

  it('take feeds by key as well as by id, and every operator spelling', async () => {
    const temp = feed('Temp');
    const out = feed('Out');
    for (const [op, v] of [
      ['ge', '5'],
      ['>=', '5'],
      ['le', '5'],
      ['neq', '4'],
      ['==', '5'],
      ['lt', '5'],
      ['gt', '5'],
    ]) {
      create({ feed_id: 'temp', operator: op, value: v, action: 'feed', action_feed_id: 'out', action_value: op });
    }
    await write(temp, '5');
    expect(values(out).sort()).toEqual(['==', '>=', 'ge', 'le', 'neq']);
  });

  it('fire at most once per cooldown (AIO_ACTION_COOLDOWN_MS), measured on the core’s clock', async () => {
    const temp = feed('Temp');
    const fan = feed('Fan');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id });
    await write(temp, '31');
    clock.advance(4_999);
    await write(temp, '32');
    expect(values(fan)).toEqual(['31']);
    clock.advance(1);
    await write(temp, '33');
    expect(values(fan)).toEqual(['31', '33']);
  });

  it('do nothing while disabled', async () => {
    const temp = feed('Temp');
    const fan = feed('Fan');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id, enabled: false });
    await write(temp, '31');
    expect(values(fan)).toEqual([]);
    t.core.actions.update(t.alice.user, a, { enabled: true });
    await write(temp, '31');
    expect(values(fan)).toEqual(['31']);
  });

  it('cut a loop A → B → A at its second turn and report it to the owner, whatever the cooldown', async () => {
    start({ cooldownMs: 0 });
    const a = feed('A');
    const b = feed('B');
    const ab = create({ feed_id: a.id, operator: 'ne', value: '', action: 'feed', action_feed_id: b.id });
    const ba = create({ feed_id: b.id, operator: 'ne', value: '', action: 'feed', action_feed_id: a.id });
    await write(a, 'x');
    expect(values(a)).toEqual(['x', 'x']);
    expect(values(b)).toEqual(['x']);
    expect(reports).toEqual([`alice: action ${ab.id} not run: it would loop (action ${ab.id} → action ${ba.id} → action ${ab.id})`]);
  });

  it('cut a long chain of feed outputs at AIO_ACTION_MAX_CHAIN', async () => {
    start({ cooldownMs: 0, maxChainDepth: 3 });
    const feeds = ['F0', 'F1', 'F2', 'F3', 'F4', 'F5'].map((n) => feed(n));
    const made = feeds
      .slice(0, -1)
      .map((f, i) => create({ feed_id: f.id, operator: 'ne', value: '', action: 'feed', action_feed_id: feeds[i + 1]!.id }));
    await write(feeds[0]!, 'go');
    expect(feeds.map((f) => values(f).length)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(`action ${made[3]!.id} not run: actions writing to feeds that fire actions stop after 3 in a row`);
  });

  it('report an output that fails; the point that fired it is stored all the same', async () => {
    const temp = feed('Temp');
    const fan = feed('Fan');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id });
    t.core.feeds.update(t.alice.user, fan, { enabled: false });
    await write(temp, '31');
    expect(values(temp)).toEqual(['31']);
    expect(reports).toEqual([`alice: action ${a.id} failed: feed fan is disabled and does not accept data`]);
  });

  it('take from the owner’s rate budget like any write', async () => {
    start({}, { rateLimit: 1 });
    const temp = feed('Temp');
    clock.advance(MIN);
    const fan = feed('Fan');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id });
    clock.advance(MIN);
    await write(temp, '31');
    expect(values(temp)).toEqual(['31']);
    expect(values(fan)).toEqual([]);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/failed: request failed - alice data rate limit reached/);
  });

  it('go with a feed they name: deleting it deletes them', async () => {
    const temp = feed('Temp');
    const fan = feed('Fan');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id });
    t.core.feeds.delete(t.alice.user, fan);
    expect(t.core.actions.list(t.alice.user)).toEqual([]);
    await write(temp, '31');
    expect(reports).toEqual([]);
  });

  it('are kept across a restart, cooldown aside', async () => {
    const temp = feed('Temp');
    const fan = feed('Fan');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'feed', action_feed_id: fan.id });
    const db = openDb(t.config.dbPath, { busyTimeoutMs: 0 });
    const again = new Core(db, t.config, clock.now);
    try {
      await again.data.soon(() => again.data.create(t.alice.user, again.feeds.byIdFor(t.alice.user, temp.id)!, [{ value: '40' }]));
      await again.actions.settled();
      expect(values(fan)).toEqual(['40']);
    } finally {
      again.stop();
      closeDb(db);
    }
  });
});

describe('scheduled actions', () => {
  it('run on the clock: every N minutes from their last change, once however late the tick', async () => {
    const fan = feed('Fan');
    create({ trigger_type: 'scheduled', schedule: 'every 5 minutes', action: 'feed', action_feed_id: fan.id, action_value: 'tick' });
    clock.advance(5 * MIN - 1);
    t.core.actions.tick();
    await t.core.actions.settled();
    expect(values(fan)).toEqual([]);
    clock.advance(1);
    t.core.actions.tick();
    await t.core.actions.settled();
    expect(values(fan)).toEqual(['tick']);
    clock.advance(17 * MIN); // missed runs at 10 and 15 run once
    t.core.actions.tick();
    await t.core.actions.settled();
    expect(values(fan)).toEqual(['tick', 'tick']);
    clock.advance(3 * MIN); // 25
    t.core.actions.tick();
    await t.core.actions.settled();
    expect(values(fan)).toEqual(['tick', 'tick', 'tick']);
  });

  it('daily at a time in the owner’s time zone; with feed_id and no action_value they send its last value', async () => {
    t.db.$client.prepare("UPDATE users SET time_zone = 'America/New_York' WHERE id = ?").run(t.alice.user.id);
    t.alice.user.timeZone = 'America/New_York';
    const temp = feed('Temp');
    const out = feed('Out');
    await write(temp, '21.5');
    create({ trigger_type: 'scheduled', schedule: 'daily at 08:00', feed_id: temp.id, action: 'feed', action_feed_id: out.id });
    // 2026-01-15 12:00 UTC is 07:00 in New York: the run is at 13:00 UTC.
    clock.advance(60 * MIN - 1);
    t.core.actions.tick();
    await t.core.actions.settled();
    expect(values(out)).toEqual([]);
    clock.advance(1);
    t.core.actions.tick();
    await t.core.actions.settled();
    expect(values(out)).toEqual(['21.5']);
  });
});

describe('validation', () => {
  it('refuses with a 422 and stores nothing', () => {
    const temp = feed('Temp');
    const theirs = t.core.feeds.create(t.bob.user, t.core.groups.defaultGroup(t.bob.user), { name: 'Theirs' });
    const ok = { feed_id: temp.id, operator: 'gt', value: '1', action: 'feed', action_feed_id: temp.id };
    for (const [fields, message] of [
      [{ ...ok, operator: 'about' }, 'operator "about"'],
      [{ ...ok, operator: undefined }, "operator can't be blank"],
      [{ ...ok, feed_id: theirs.id }, 'feed_id names no feed of yours'],
      [{ ...ok, feed_id: 9999 }, 'feed_id names no feed of yours'],
      [{ ...ok, action_feed_id: 'nope' }, 'action_feed_id names no feed of yours'],
      [{ ...ok, value: undefined }, 'compares with value or with to_feed_id'],
      [{ ...ok, action: 'sms' }, 'action must be'],
      [{ ...ok, action: undefined }, "action can't be blank"],
      [{ ...ok, action: 'webhook' }, "action_url can't be blank"],
      [{ ...ok, action: 'webhook', action_url: 'ftp://x' }, 'http:// or https://'],
      [{ ...ok, action: 'email', action_email: 'nobody' }, 'action_email must be an email address'],
      [{ ...ok, trigger_type: 'sometimes' }, 'trigger_type must be'],
      [
        { trigger_type: 'scheduled', schedule: 'now and then', action: 'feed', action_feed_id: temp.id, action_value: '1' },
        'schedule "now and then"',
      ],
      [{ trigger_type: 'scheduled', action: 'feed', action_feed_id: temp.id, action_value: '1' }, "schedule can't be blank"],
      [{ trigger_type: 'scheduled', schedule: 'every minute', action: 'feed', action_feed_id: temp.id }, 'needs action_value'],
      [
        { trigger_type: 'timer', feed_id: temp.id, operator: 'gt', action: 'feed', action_feed_id: temp.id },
        '"offline", "online" or "change"',
      ],
      [{ ...ok, enabled: 'maybe' }, 'Enabled must be true or false'],
    ] as Array<[Fields, string]>) {
      const r = refusal(() => create(fields));
      expect(r.status, message).toBe(422);
      expect(r.message).toContain(message);
    }
    expect(t.core.actions.list(t.alice.user)).toEqual([]);
    expect(t.core.activities.page(t.alice.user, { model: 'Trigger', limit: 10 }).rows).toEqual([]);
  });

  it('trigger_type_id stands for trigger_type when that is absent (1 scheduled, 2 reactive, 3 timer)', () => {
    const temp = feed('Temp');
    const scheduled = create({ trigger_type_id: 1, schedule: 'every hour', action: 'feed', action_feed_id: temp.id, action_value: 'x' });
    const timer = create({ trigger_type_id: '3', feed_id: temp.id, action: 'feed', action_feed_id: temp.id });
    expect([scheduled.triggerType, timer.triggerType]).toEqual(['scheduled', 'timer']);
    expect(refusal(() => create({ trigger_type_id: 9, feed_id: temp.id, action: 'feed', action_feed_id: temp.id })).message).toContain(
      'trigger_type must be',
    );
  });

  it('an update is checked whole and changes nothing when refused', () => {
    const temp = feed('Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '1', action: 'feed', action_feed_id: temp.id });
    expect(refusal(() => t.core.actions.update(t.alice.user, a, { action: 'webhook' })).status).toBe(422);
    expect(t.core.actions.resolve(t.alice.user, String(a.id))).toEqual(a);
  });
});
