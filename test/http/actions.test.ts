import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, makeApp, type TestApp } from '../helpers.js';

let t: TestApp;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await makeApp({ clock: clock.now });
});
afterEach(() => t.close());

const BASE = '/api/v2/alice';
const FAMILIES = ['actions', 'triggers'] as const;

async function makeFeed(name: string, body: Record<string, unknown> = {}, as = t.alice) {
  const res = await t.req('POST', `/api/v2/${as.name}/feeds`, { body: { name, ...body }, as });
  expect(res.status).toBe(201);
  return res.json as { id: number; key: string; name: string };
}

/** The Ruby client's own create fixture (spec/fixtures/create_trigger.json), on our feeds. */
const rubyCreate = (watch: number, notify: number) => ({
  feed_id: watch,
  operator: 'gt',
  value: '50',
  action: 'feed',
  action_feed_id: notify,
  action_value: 'Trigger Target 6425e758 over 50!',
  trigger_type: 'reactive',
});

describe.each(FAMILIES)('/{username}/%s', (family) => {
  const url = `${BASE}/${family}`;

  it('POST (attributes unwrapped, as Ruby sends them) answers the record, in the hosted shape', async () => {
    const watch = await makeFeed('Trigger Target 6425e758');
    const notify = await makeFeed('Notifications 5fcf9820');
    const res = await t.req('POST', url, { body: rubyCreate(watch.id, notify.id) });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).slice(0, 16)).toEqual([
      'username',
      'owner',
      'id',
      'feed_id',
      'operator',
      'created_at',
      'updated_at',
      'value',
      'action',
      'to_feed_id',
      'action_feed_id',
      'action_value',
      'trigger_type_id',
      'enabled',
      'trigger_type',
      'description',
    ]);
    expect(res.json).toEqual({
      username: 'alice',
      owner: { id: t.alice.user.id, username: 'alice' },
      id: expect.any(Number),
      feed_id: watch.id,
      operator: 'gt',
      created_at: '2026-01-15T12:00:00Z',
      updated_at: '2026-01-15T12:00:00Z',
      value: '50',
      action: 'feed',
      to_feed_id: null,
      action_feed_id: notify.id,
      action_value: 'Trigger Target 6425e758 over 50!',
      trigger_type_id: 2,
      enabled: true,
      trigger_type: 'reactive',
      description: 'If Trigger Target 6425e758 is greater than "50" then set Notifications 5fcf9820 to "Trigger Target 6425e758 over 50!".',
      schedule: null,
      action_url: null,
      action_email: null,
    });
  });

  it('POST takes the body wrapped in `trigger`, JSON or form, and feeds by key', async () => {
    await makeFeed('Temp');
    await makeFeed('Fan');
    const wrapped = await t.req('POST', url, {
      body: { trigger: { feed_id: 'temp', operator: 'ge', value: 30, action: 'feed', action_feed_id: 'fan', action_value: 'ON' } },
    });
    expect(wrapped.status).toBe(200);
    expect(wrapped.json).toMatchObject({
      operator: 'ge',
      value: '30',
      description: 'If Temp is greater than or equal to "30" then set Fan to "ON".',
    });
    const form = await t.req('POST', url, {
      form: {
        trigger_type: 'scheduled',
        schedule: 'every 15 minutes',
        action: 'webhook',
        action_url: 'http://127.0.0.1:9/hook',
        action_value: 'ping',
        enabled: 'false',
      },
    });
    expect(form.status).toBe(200);
    expect(form.json).toMatchObject({
      trigger_type: 'scheduled',
      trigger_type_id: 1,
      enabled: false,
      schedule: 'every 15 minutes',
      description: 'Every 15 minutes, post "ping" to http://127.0.0.1:9/hook.',
    });
  });

  it('GET lists them (oldest first) and GET {id} answers one', async () => {
    const temp = await makeFeed('Temp');
    const a = (
      await t.req('POST', url, { body: { feed_id: temp.id, operator: 'lt', value: '0', action: 'email', action_email: 'me@example.test' } })
    ).json;
    const b = (
      await t.req('POST', url, { body: { trigger_type: 'timer', feed_id: temp.id, action: 'email', action_email: 'me@example.test' } })
    ).json;
    const list = await t.req('GET', url);
    expect(list.status).toBe(200);
    expect(list.json).toEqual([a, b]);
    expect(b.description).toBe('If Temp goes offline then email the incoming value to me@example.test.');
    const one = await t.req('GET', `${url}/${a.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual(a);
  });

  it('PUT and PATCH merge the attributes sent (Ruby updates with PUT and only what changed)', async () => {
    const watch = await makeFeed('Watch');
    const notify = await makeFeed('Notify');
    const made = (await t.req('POST', url, { body: rubyCreate(watch.id, notify.id) })).json;
    clock.advance(2000);
    const put = await t.req('PUT', `${url}/${made.id}`, { body: { value: 100 } });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      ...made,
      value: '100',
      updated_at: '2026-01-15T12:00:02Z',
      description: made.description.replace('"50"', '"100"'),
    });
    const patch = await t.req('PATCH', `${url}/${made.id}`, { body: { trigger: { enabled: false, action_value: null } } });
    expect(patch.status).toBe(200);
    expect(patch.json).toMatchObject({
      enabled: false,
      action_value: null,
      value: '100',
      description: 'If Watch is greater than "100" then set Notify to the incoming value.',
    });
  });

  it('DELETE answers "OK"; the record is gone', async () => {
    const temp = await makeFeed('Temp');
    const made = (
      await t.req('POST', url, { body: { feed_id: temp.id, operator: 'eq', value: 'x', action: 'feed', action_feed_id: temp.id } })
    ).json;
    const res = await t.req('DELETE', `${url}/${made.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toBe('OK');
    expect((await t.req('GET', `${url}/${made.id}`)).status).toBe(404);
    expect((await t.req('GET', url)).json).toEqual([]);
  });

  it('bad input is a 422 and stores nothing: unknown operator, foreign or missing feed, bad schedule', async () => {
    const temp = await makeFeed('Temp');
    const theirs = await makeFeed('Theirs', {}, t.bob);
    const ok = { feed_id: temp.id, operator: 'gt', value: '1', action: 'feed', action_feed_id: temp.id };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...ok, operator: 'bigger' }, 'operator "bigger"'],
      [{ ...ok, feed_id: theirs.id }, 'feed_id names no feed of yours'],
      [{ ...ok, action_feed_id: theirs.key }, 'action_feed_id names no feed of yours'],
      [{ ...ok, feed_id: 424242 }, 'feed_id names no feed of yours'],
      [{ ...ok, to_feed_id: 'missing', value: null }, 'to_feed_id names no feed of yours'],
      [
        { trigger_type: 'scheduled', schedule: '99 * * * *', action: 'feed', action_feed_id: temp.id, action_value: '1' },
        'schedule "99 * * * *"',
      ],
      [
        { trigger_type: 'scheduled', schedule: 'whenever', action: 'feed', action_feed_id: temp.id, action_value: '1' },
        'schedule "whenever"',
      ],
      [{ ...ok, action: 'webhook', action_url: 'not a url' }, 'action_url'],
    ];
    for (const [body, message] of cases) {
      const res = await t.req('POST', url, { body });
      expect(res.status, message).toBe(422);
      expect(res.json.error).toContain(message);
    }
    expect((await t.req('GET', url)).json).toEqual([]);
    const made = (await t.req('POST', url, { body: ok })).json;
    for (const [body, message] of cases) {
      const res = await t.req('PATCH', `${url}/${made.id}`, { body });
      expect(res.status, message).toBe(422);
    }
    expect((await t.req('GET', `${url}/${made.id}`)).json).toEqual(made);
    const activities = (await t.req('GET', `${BASE}/activities/action`)).json as Array<{ action: string }>;
    expect(activities.map((a) => a.action)).toEqual(['create']);
  });

  it('another user cannot list, read, change or delete them (403 on their path, 404 for an id not theirs)', async () => {
    const temp = await makeFeed('Temp');
    const made = (
      await t.req('POST', url, { body: { feed_id: temp.id, operator: 'gt', value: '1', action: 'feed', action_feed_id: temp.id } })
    ).json;
    expect((await t.req('GET', url, { as: t.bob })).status).toBe(403);
    expect((await t.req('POST', url, { as: t.bob, body: { feed_id: temp.id } })).status).toBe(403);
    expect((await t.req('DELETE', `${url}/${made.id}`, { as: t.bob })).status).toBe(403);
    const bobs = `/api/v2/bob/${family}/${made.id}`;
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      const res = await t.req(method, bobs, { as: t.bob, body: method === 'PUT' || method === 'PATCH' ? { value: '2' } : undefined });
      expect(res.status, method).toBe(404);
    }
    expect((await t.req('GET', `/api/v2/bob/${family}`, { as: t.bob })).json).toEqual([]);
    expect((await t.req('GET', `${url}/${made.id}`)).json).toEqual(made);
    expect((await t.req('GET', url, { key: null })).status).toBe(401);
  });

  it('a missing action is a 404 on every method', async () => {
    for (const id of ['999', 'abc']) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
        const res = await t.req(method, `${url}/${id}`, { body: method === 'PUT' || method === 'PATCH' ? { value: '1' } : undefined });
        expect(res.status, `${method} ${id}`).toBe(404);
        expect(res.json.error).toMatch(/^not found/);
      }
    }
  });
});

describe('actions and triggers are one resource', () => {
  it('a record made under /actions is read, changed and deleted under /triggers', async () => {
    const temp = await makeFeed('Temp');
    const made = (
      await t.req('POST', `${BASE}/actions`, {
        body: { feed_id: temp.id, operator: 'gt', value: '1', action: 'feed', action_feed_id: temp.id },
      })
    ).json;
    expect((await t.req('GET', `${BASE}/triggers/${made.id}`)).json).toEqual(made);
    expect((await t.req('PUT', `${BASE}/triggers/${made.id}`, { body: { value: '5' } })).json.value).toBe('5');
    expect((await t.req('GET', `${BASE}/actions`)).json).toHaveLength(1);
    expect((await t.req('DELETE', `${BASE}/triggers/${made.id}`)).status).toBe(200);
    expect((await t.req('GET', `${BASE}/actions`)).json).toEqual([]);
  });
});

describe('activities/action', () => {
  it('lists the creates, updates and deletes of actions, the record as the hosted service stores it', async () => {
    const temp = await makeFeed('Temp');
    const made = (
      await t.req('POST', `${BASE}/actions`, {
        body: { feed_id: temp.id, operator: 'gt', value: '1', action: 'feed', action_feed_id: temp.id },
      })
    ).json;
    await t.req('PATCH', `${BASE}/actions/${made.id}`, { body: { value: '2' } });
    await t.req('DELETE', `${BASE}/actions/${made.id}`);
    for (const type of ['action', 'actions', 'trigger', 'Triggers']) {
      const res = await t.req('GET', `${BASE}/activities/${type}`);
      expect(res.status, type).toBe(200);
      expect(res.json.map((a: { action: string; model: string }) => `${a.action} ${a.model}`)).toEqual([
        'delete Trigger',
        'update Trigger',
        'create Trigger',
      ]);
    }
    const [, updated] = (await t.req('GET', `${BASE}/activities/action`)).json;
    expect(JSON.parse(updated.data)).toMatchObject({
      id: made.id,
      feed_id: temp.id,
      operator: 'gt',
      value: '2',
      action: 'feed',
      trigger_type: 'reactive',
      enabled: true,
    });
    // Feeds' own activities are not among them.
    expect((await t.req('GET', `${BASE}/activities/feed`)).json).toHaveLength(1);
  });
});

describe('feed status over HTTP', () => {
  it('a quiet feed turns offline at the right fake-clock minute, with a feed_status_changes record, and back online', async () => {
    await makeFeed('Temp', { status_notify: true, status_timeout: 5 });
    expect((await t.req('POST', `${BASE}/feeds/temp/data`, { body: { value: '20' } })).status).toBe(200);
    const status = async () => {
      t.core.actions.tick();
      await t.core.actions.settled();
      const f = (await t.req('GET', `${BASE}/feeds/temp`)).json;
      return {
        status: f.status,
        changes: f.feed_status_changes.map((c: { to_status: string; created_at: string }) => `${c.to_status} ${c.created_at}`),
      };
    };
    expect(await status()).toEqual({ status: 'online', changes: ['online 2026-01-15T12:00:00Z'] });
    for (let minute = 1; minute <= 5; minute++) {
      clock.advance(60_000);
      expect((await status()).status, `minute ${minute}`).toBe('online');
    }
    clock.advance(60_000);
    expect(await status()).toEqual({ status: 'offline', changes: ['offline 2026-01-15T12:06:00Z', 'online 2026-01-15T12:00:00Z'] });
    clock.advance(60_000);
    await t.req('POST', `${BASE}/feeds/temp/data`, { body: { value: '21' } });
    expect(await status()).toEqual({
      status: 'online',
      changes: ['online 2026-01-15T12:07:00Z', 'offline 2026-01-15T12:06:00Z', 'online 2026-01-15T12:00:00Z'],
    });
  });
});
