import { describe, expect } from 'vitest';
import { activityModel } from '../../src/core/activities.js';
import { activityJson, recordJson } from '../../src/core/serializers/activity.js';
import { AioError } from '../../src/core/errors.js';
import { coreTestWith, makeCore, type TestCore } from '../helpers.js';

const it = coreTestWith({ fakeClock: true });

const all = (tc: TestCore, user = tc.alice.user) => tc.core.activities.page(user, { limit: 1000 }).rows;
const summary = (tc: TestCore) => all(tc).map((a) => `${a.action} ${a.model}`);

describe('activities: recorded from the core’s writes', () => {
  it('feeds, groups, dashboards, blocks and tokens: create, update and delete, newest first', ({ t }) => {
    const { core, alice } = t;
    const u = alice.user;
    const feed = core.feeds.create(u, core.groups.defaultGroup(u), { name: 'temp' });
    core.feeds.update(u, feed, { description: 'd' });
    const group = core.groups.create(u, { name: 'house' });
    core.groups.addFeed(u, group, 'temp');
    const dash = core.dashboards.create(u, { name: 'Main' });
    const block = core.blocks.create(u, dash, { visual_type: 'gauge', block_feeds: [{ feed_id: 'temp' }] });
    core.blocks.update(u, block, { name: 'g' });
    core.dashboards.update(u, dash, { description: 'x' });
    const { token } = core.tokens.create(u, {});
    core.tokens.update(u, token, { readable: false });
    core.tokens.delete(u, token);
    core.blocks.delete(block);
    core.dashboards.delete(dash);
    core.groups.delete(u, group);
    core.feeds.delete(u, feed);
    expect(summary(t).reverse()).toEqual([
      'create Feed',
      'update Feed',
      'create Group',
      'update Group',
      'create Dashboard',
      'create Block',
      'update Block',
      'update Dashboard',
      'create Token',
      'update Token',
      'delete Token',
      'delete Block',
      'delete Dashboard',
      'delete Group',
      'delete Feed',
    ]);
  });

  it('keeps the record as a JSON string: snake_case attributes, ISO times, never a secret', ({ t }) => {
    const { core, alice } = t;
    const dash = core.dashboards.create(alice.user, { name: 'Main' });
    core.blocks.create(alice.user, dash, { visual_type: 'slider', properties: { min: '0' } });
    core.tokens.create(alice.user, {});
    const [token, block] = all(t);
    const blockData = JSON.parse(block!.data);
    expect(blockData).toMatchObject({
      id: expect.any(Number),
      user_id: alice.user.id,
      dashboard_id: dash.id,
      visual_type: 'slider',
      properties: { min: '0' },
      size_x: 4,
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
    });
    const tokenData = JSON.parse(token!.data);
    expect(tokenData).toMatchObject({ readable: true, feed_id: null, expiration: null });
    expect(token!.data).not.toMatch(/hash/i);
  });

  it('an auto-created feed (first data point) is recorded; data points are not', ({ t }) => {
    t.core.data.createOrAutoCreate(t.alice.user, 'weather.humidity', [{ value: '1' }, { value: '2' }]);
    t.core.data.createOrAutoCreate(t.alice.user, 'weather.humidity', [{ value: '3' }]);
    expect(summary(t)).toEqual(['create Feed', 'create Group']);
  });

  it('each user sees only their own', ({ t }) => {
    t.core.groups.create(t.alice.user, { name: 'a' });
    t.core.groups.create(t.bob.user, { name: 'b' });
    expect(all(t).map((a) => JSON.parse(a.data).name)).toEqual(['a']);
    expect(all(t, t.bob.user).map((a) => JSON.parse(a.data).name)).toEqual(['b']);
  });

  it('a failing write records nothing', ({ t }) => {
    expect(() => t.core.groups.create(t.alice.user, { name: '' })).toThrow(AioError);
    expect(() => t.core.groups.delete(t.alice.user, t.core.groups.defaultGroup(t.alice.user))).toThrow(AioError);
    expect(all(t)).toEqual([]);
  });
});

describe('activities: the cap', () => {
  it('keeps only the newest 1000 per user', ({ t }) => {
    const { core, alice, bob } = t;
    expect(t.config.activityLimit).toBe(1000);
    core.groups.create(bob.user, { name: 'bobs' });
    for (let i = 0; i < 1005; i++) {
      core.events.emit('activity', { userId: alice.user.id, action: 'update', model: 'Feed', record: { n: i } });
    }
    const rows = all(t);
    expect(rows).toHaveLength(1000);
    expect(JSON.parse(rows[0]!.data).n).toBe(1004);
    expect(JSON.parse(rows[999]!.data).n).toBe(5);
    expect(core.activities.total(alice.user, {})).toBe(1000);
    // Another user's are untouched.
    expect(all(t, bob.user)).toHaveLength(1);
  });

  it('follows the configured limit', ({ clock }) => {
    const small = makeCore({ clock: clock.now, config: { activityLimit: 3 } });
    try {
      for (const name of ['a', 'b', 'c', 'd', 'e']) small.core.groups.create(small.alice.user, { name });
      expect(all(small).map((a) => JSON.parse(a.data).name)).toEqual(['e', 'd', 'c']);
    } finally {
      small.close();
    }
  });
});

describe('activities: queries', () => {
  it.beforeEach(({ t, clock }) => {
    const u = t.alice.user;
    t.core.groups.create(u, { name: 'g1' }); // 12:00
    clock.advance(60_000);
    const feed = t.core.feeds.create(u, t.core.groups.defaultGroup(u), { name: 'f1' }); // 12:01
    clock.advance(60_000);
    t.core.feeds.update(u, feed, { description: 'x' }); // 12:02
    clock.advance(60_000);
    t.core.dashboards.create(u, { name: 'd1' }); // 12:03
  });

  it('filters by model, by time (inclusive) and pages by id', ({ t }) => {
    const u = t.alice.user;
    const at = (hhmm: string) => Date.parse(`2026-01-15T${hhmm}:00Z`);
    const names = (rows: ReturnType<typeof all>) => rows.map((a) => `${a.action} ${a.model}`);
    expect(names(t.core.activities.page(u, { model: 'Feed', limit: 10 }).rows)).toEqual(['update Feed', 'create Feed']);
    expect(names(t.core.activities.page(u, { startMs: at('12:01'), endMs: at('12:02'), limit: 10 }).rows)).toEqual([
      'update Feed',
      'create Feed',
    ]);
    const first = t.core.activities.page(u, { limit: 3 });
    expect(first.more).toBe(true);
    const next = t.core.activities.page(u, { limit: 3, beforeId: first.rows[2]!.id });
    expect(names(next.rows)).toEqual(['create Group']);
    expect(next.more).toBe(false);
    expect(t.core.activities.total(u, { model: 'Feed' })).toBe(2);
    expect(t.core.activities.total(u, { startMs: at('12:02') })).toBe(2);
  });

  it('clear removes the user’s activities', ({ t }) => {
    expect(t.core.activities.clear(t.alice.user)).toBe(4);
    expect(all(t)).toEqual([]);
  });

  it('activity types: model names in any case, singular or plural', () => {
    expect(activityModel('feed')).toBe('Feed');
    expect(activityModel('Dashboards')).toBe('Dashboard');
    expect(activityModel('BLOCK')).toBe('Block');
    expect(activityModel('tokens')).toBe('Token');
    expect(() => activityModel('data')).toThrow(/not an activity type/);
  });

  it('serializes as compat-notes 2.1', ({ t }) => {
    const row = all(t)[0]!;
    expect(activityJson(t.alice.user, row)).toEqual({
      username: 'alice',
      owner: { id: t.alice.user.id, username: 'alice' },
      id: row.id,
      action: 'create',
      model: 'Dashboard',
      data: row.data,
      user_id: t.alice.user.id,
      created_at: '2026-01-15T12:03:00Z',
      updated_at: '2026-01-15T12:03:00Z',
    });
    expect(typeof JSON.parse(row.data)).toBe('object');
  });
});

describe('recordJson', () => {
  it('snake-cases, formats times, parses properties and drops secrets', () => {
    expect(
      recordJson({
        id: 1,
        dashboardId: 2,
        createdAt: 0,
        lastValueAt: null,
        expiration: 1000,
        properties: '{"a":1}',
        secretHash: 'x',
        keyHash: 'y',
      }),
    ).toEqual({
      id: 1,
      dashboard_id: 2,
      created_at: '1970-01-01T00:00:00Z',
      last_value_at: null,
      expiration: '1970-01-01T00:00:01Z',
      properties: { a: 1 },
    });
  });
});
