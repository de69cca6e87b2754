// Sharing over HTTP: the ACL routes for feeds, groups and dashboards, and what a permission opens at
// the owner's paths. Three accounts: alice owns, bob is given things, carol is given nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock, makeApp, type TestAccount, type TestApp } from '../helpers.js';

let t: TestApp;
let clock: FakeClock;
let carol: TestAccount;
beforeEach(async () => {
  clock = new FakeClock();
  t = await makeApp({ clock: clock.now });
  carol = { ...t.core.accounts.add('carol', 'carol-key-0123456789'), name: 'carol' };
  await t.req('POST', `${A}/feeds`, { body: { name: 'Temp' } });
  await t.req('POST', `${A}/feeds`, { body: { name: 'Secret' } });
  await t.req('POST', `${A}/feeds/temp/data`, { body: { value: 21 } });
  await t.req('POST', `${A}/feeds/secret/data`, { body: { value: 'hidden' } });
});
afterEach(() => t.close());

const A = '/api/v2/alice';

async function share(path: string, body: unknown = { scope: 'user', scope_value: 'bob', mode: 'r' }) {
  const res = await t.req('POST', `${A}/${path}/acl`, { body });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json as { id: number };
}

/** Status codes of the same request made by each account, and without a key. */
async function statuses(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) {
  const out: Record<string, number> = {};
  for (const [name, opts] of [
    ['alice', { as: t.alice }],
    ['bob', { as: t.bob }],
    ['carol', { as: carol }],
    ['nokey', { key: null }],
  ] as const) {
    out[name] = (await t.req(method, url, { ...opts, body })).status;
  }
  return out;
}

describe('ACL routes, for feeds, groups and dashboards', () => {
  beforeEach(async () => {
    await t.req('POST', `${A}/groups`, { body: { name: 'Room' } });
    await t.req('POST', `${A}/dashboards`, { body: { name: 'Board' } });
  });

  for (const [type, key, model] of [
    ['feeds', 'temp', 'feed'],
    ['groups', 'room', 'group'],
    ['dashboards', 'board', 'dashboard'],
  ] as const) {
    it(`${type}: create (wrapped, unwrapped, form), list, get, PUT, PATCH, DELETE`, async () => {
      const base = `${A}/${type}/${key}/acl`;
      const objectId = (await t.req('GET', `${A}/${type}/${key}`)).json.id;
      const made = await t.req('POST', base, { body: { permission: { scope: 'user', scope_value: 'bob', mode: 'rw' } } });
      expect(made.status).toBe(200);
      expect(made.json).toEqual({
        id: expect.any(Number),
        user_id: t.alice.user.id,
        scope: 'user',
        scope_value: 'bob',
        mode: 'rw',
        model,
        object_id: objectId,
        created_at: '2026-01-15T12:00:00Z',
        updated_at: '2026-01-15T12:00:00Z',
      });
      // Ruby sends the attributes unwrapped; the defaults are mode r, scope public
      const pub = await t.req('POST', base, { body: {} });
      expect(pub.json).toMatchObject({ scope: 'public', mode: 'r', scope_value: null, model });
      expect((await t.req('GET', `${A}/${type}/${key}`)).json.visibility).toBe('public');
      const form = await t.req('POST', base, { form: { scope: 'user', scope_value: 'carol', mode: 'w' } });
      expect(form.json).toMatchObject({ scope: 'user', scope_value: 'carol', mode: 'w' });

      const list = await t.req('GET', base);
      expect(list.json.map((p: { id: number }) => p.id)).toEqual([made.json.id, pub.json.id, form.json.id]);
      expect((await t.req('GET', `${base}/${made.json.id}`)).json).toEqual(made.json);

      clock.advance(1000);
      const put = await t.req('PUT', `${base}/${made.json.id}`, { body: { permission: { mode: 'r' } } });
      expect(put.json).toMatchObject({
        id: made.json.id,
        scope: 'user',
        scope_value: 'bob',
        mode: 'r',
        updated_at: '2026-01-15T12:00:01Z',
      });
      const patch = await t.req('PATCH', `${base}/${form.json.id}`, { body: { mode: 'rw' } });
      expect(patch.json).toMatchObject({ scope_value: 'carol', mode: 'rw' });

      const del = await t.req('DELETE', `${base}/${pub.json.id}`);
      expect(del.status).toBe(200);
      expect(del.json).toBe('OK');
      expect((await t.req('GET', `${A}/${type}/${key}`)).json.visibility).toBe('private');
      expect((await t.req('GET', base)).json.map((p: { id: number }) => p.id)).toEqual([made.json.id, form.json.id]);
      expect((await t.req('GET', `${base}/${pub.json.id}`)).status).toBe(404);
    });

    it(`${type}: bad input is a 422 that changes nothing`, async () => {
      const base = `${A}/${type}/${key}/acl`;
      for (const body of [
        { mode: 'x' },
        { scope: 'secret' },
        { scope: 'organization' },
        { scope: 'public', mode: 'rw' },
        { scope: 'user' },
        { scope: 'user', scope_value: 'nobody' },
        { scope: 'user', scope_value: 'alice' },
      ]) {
        const res = await t.req('POST', base, { body });
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.json.error).toMatch(/^Validation failed: /);
      }
      const row = await share(`${type}/${key}`);
      expect((await t.req('PUT', `${base}/${row.id}`, { body: { mode: 'nope' } })).status).toBe(422);
      expect((await t.req('POST', base, { body: { scope: 'user', scope_value: 'bob' } })).status).toBe(422);
      expect((await t.req('GET', base)).json).toHaveLength(1);
      expect((await t.req('GET', `${base}/${row.id}`)).json.mode).toBe('r');
    });

    it(`${type}: only the owner's key: others get 403, no key 401, a token 403`, async () => {
      const base = `${A}/${type}/${key}/acl`;
      const row = await share(`${type}/${key}`, { scope: 'user', scope_value: 'bob', mode: 'rw' });
      const token = (await t.req('POST', `${A}/tokens`, {})).json.key as string;
      for (const [method, url] of [
        ['GET', base],
        ['POST', base],
        ['GET', `${base}/${row.id}`],
        ['PUT', `${base}/${row.id}`],
        ['PATCH', `${base}/${row.id}`],
        ['DELETE', `${base}/${row.id}`],
      ] as const) {
        const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? { scope: 'public' } : undefined;
        expect((await t.req(method, url, { as: t.bob, body })).status, `bob ${method} ${url}`).toBe(403);
        expect((await t.req(method, url, { as: carol, body })).status, `carol ${method} ${url}`).toBe(403);
        expect((await t.req(method, url, { key: null, body })).status, `no key ${method} ${url}`).toBe(401);
        const byToken = await t.req(method, url, { key: token, body });
        expect(byToken.status, `token ${method} ${url}`).toBe(403);
        expect(byToken.json.error).toMatch(/cannot manage .*permissions/);
      }
      expect((await t.req('GET', base)).json).toHaveLength(1);
    });

    it(`${type}: a missing object or permission is a 404`, async () => {
      const row = await share(`${type}/${key}`);
      const missing = await t.req('GET', `${A}/${type}/nope/acl`);
      expect(missing.status).toBe(404);
      expect(missing.json.error).toMatch(/^not found/);
      expect((await t.req('POST', `${A}/${type}/nope/acl`, { body: {} })).status).toBe(404);
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
        expect(
          (await t.req(method, `${A}/${type}/${key}/acl/999999`, { body: method === 'GET' || method === 'DELETE' ? undefined : {} }))
            .status,
        ).toBe(404);
        expect(
          (await t.req(method, `${A}/${type}/nope/acl/${row.id}`, { body: method === 'GET' || method === 'DELETE' ? undefined : {} }))
            .status,
        ).toBe(404);
      }
      // bob's namespace holds no such object, nor alice's permission
      await t.req('POST', `/api/v2/bob/${type}`, { as: t.bob, body: { name: key } });
      expect((await t.req('GET', `/api/v2/bob/${type}/${key}/acl/${row.id}`, { as: t.bob })).status).toBe(404);
    });
  }

  it('the object is named by key, id or name, and an unknown type is an unknown route', async () => {
    const id = (await t.req('GET', `${A}/feeds/temp`)).json.id;
    await share('feeds/temp');
    expect((await t.req('GET', `${A}/feeds/${id}/acl`)).json).toHaveLength(1);
    expect((await t.req('GET', `${A}/feeds/Temp/acl`)).json).toHaveLength(1);
    const blocks = await t.req('GET', `${A}/blocks/1/acl`);
    expect(blocks.status).toBe(404);
    expect(blocks.json.error).toMatch(/invalid URL/);
  });

  it('permission changes are activities with model Permission', async () => {
    const row = await share('feeds/temp');
    await t.req('DELETE', `${A}/feeds/temp/acl/${row.id}`);
    const acts = (await t.req('GET', `${A}/activities/permission`)).json;
    expect(acts.map((a: { action: string; model: string }) => `${a.action} ${a.model}`)).toEqual([
      'delete Permission',
      'create Permission',
    ]);
  });
});

describe('what a user permission opens on HTTP', () => {
  it('r: bob reads the feed at alice’s paths with his own key; carol and no key are refused as before', async () => {
    await share('feeds/temp');
    // the read pointer is the feed's, whoever moves it
    expect((await t.req('GET', `${A}/feeds/temp/data/next`, { as: t.bob })).json.value).toBe('21');
    expect((await t.req('GET', `${A}/feeds/temp/data/previous`, { as: t.bob })).json.value).toBe('21');
    expect((await t.req('GET', `${A}/feeds/temp/data/next`, { as: carol })).status).toBe(403);
    for (const path of [
      'feeds/temp',
      'feeds/temp/details',
      'feeds/temp/data',
      'feeds/temp/data/last',
      'feeds/temp/data/first',
      'feeds/temp/data/previous',
      'feeds/temp/data/retain',
      'feeds/temp/data/chart',
      'groups/default/feeds/temp/data',
    ]) {
      const expected = path.startsWith('groups/')
        ? { alice: 200, bob: 403, carol: 403, nokey: 401 }
        : { alice: 200, bob: 200, carol: 403, nokey: 401 };
      expect(await statuses('GET', `${A}/${path}`), path).toEqual(expected);
    }
    const last = await t.req('GET', `${A}/feeds/temp/data/last`, { as: t.bob });
    expect(last.json).toMatchObject({ value: '21', feed_key: 'temp' });
    const id = last.json.id;
    expect((await t.req('GET', `${A}/feeds/temp/data/${id}`, { as: t.bob })).json.value).toBe('21');
    expect((await t.req('GET', `${A}/feeds/temp/data/retain`, { as: t.bob })).text).toBe('21,,,');
    // the feed by id works too; alice's other feed does not
    const feedId = (await t.req('GET', `${A}/feeds/temp`)).json.id;
    expect((await t.req('GET', `${A}/feeds/${feedId}`, { as: t.bob })).json.key).toBe('temp');
    expect(await statuses('GET', `${A}/feeds/secret/data`)).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
  });

  it('refusals say nothing of what exists: a private feed and a missing one answer alike', async () => {
    await share('feeds/temp');
    for (const who of [{ as: carol }, { as: t.bob }, { key: null }]) {
      const secret = await t.req('GET', `${A}/feeds/secret/data`, who);
      const missing = await t.req('GET', `${A}/feeds/missing/data`, who);
      expect(missing.status).toBe(secret.status);
      expect(missing.text).toBe(secret.text);
    }
    const ghost = await t.req('GET', '/api/v2/nobody/feeds', { as: carol });
    const sealed = await t.req('GET', `${A}/groups`, { as: carol });
    expect([ghost.status, sealed.status]).toEqual([403, 403]);
  });

  it('bob’s list of alice’s feeds has the shared ones only; carol’s is refused as before', async () => {
    await share('feeds/temp');
    const list = await t.req('GET', `${A}/feeds`, { as: t.bob });
    expect(list.json.map((f: { key: string }) => f.key)).toEqual(['temp']);
    expect(list.json[0]).toMatchObject({ username: 'alice', is_shared: true, writable: false, feed_webhook_receivers: [] });
    expect((await t.req('GET', `${A}/feeds`, { as: carol })).status).toBe(403);
    expect((await t.req('GET', `${A}/feeds`, { key: null })).status).toBe(401);
    const own = (await t.req('GET', `${A}/feeds`)).json;
    expect(own.map((f: { key: string; is_shared: boolean; writable: boolean }) => [f.key, f.is_shared, f.writable])).toEqual([
      ['temp', true, true],
      ['secret', false, true],
    ]);
  });

  it('details: the owner sees whom a feed is shared with, others see nobody', async () => {
    await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    await share('feeds/temp', { scope: 'user', scope_value: 'carol', mode: 'r' });
    const mine = await t.req('GET', `${A}/feeds/temp/details`);
    expect(mine.json.details.shared_with).toEqual([
      { username: 'bob', mode: 'rw', scope: 'user' },
      { username: 'carol', mode: 'r', scope: 'user' },
    ]);
    const bobs = await t.req('GET', `${A}/feeds/temp/details`, { as: t.bob });
    expect(bobs.json.details).toMatchObject({ shared_with: [], data: { count: 1, last: { value: '21' } } });
    expect(bobs.json.writable).toBe(true);
    expect((await t.req('GET', `${A}/feeds/temp`, { as: carol })).json.writable).toBe(false);
  });

  it('w: bob writes points into alice’s feed from his own budget; alice owns them; nothing is auto-created', async () => {
    await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'w' });
    const made = await t.req('POST', `${A}/feeds/temp/data`, { as: t.bob, body: { value: 42 } });
    expect(made.status).toBe(200);
    expect(made.json).toMatchObject({ value: '42', feed_key: 'temp' });
    const batch = await t.req('POST', `${A}/feeds/temp/data/batch`, { as: t.bob, body: { data: [{ value: 1 }, { value: 2 }] } });
    expect(batch.json).toHaveLength(2);
    expect((await t.req('GET', `${A}/feeds/temp/data`)).json.map((d: { value: string }) => d.value)).toEqual(['2', '1', '42', '21']);
    expect((await t.req('GET', '/api/v2/bob/throttle', { as: t.bob })).json.active_data_rate).toBe(3);
    const put = await t.req('PUT', `${A}/feeds/temp/data/${made.json.id}`, { as: t.bob, body: { value: 43 } });
    expect(put.json.value).toBe('43');
    expect((await t.req('DELETE', `${A}/feeds/temp/data/${made.json.id}`, { as: t.bob })).status).toBe(200);
    // w without r: reading stays closed
    expect((await t.req('GET', `${A}/feeds/temp/data`, { as: t.bob })).status).toBe(403);
    // a feed alice does not have is not made for bob, and the refusal is the usual one
    const auto = await t.req('POST', `${A}/feeds/brand-new/data`, { as: t.bob, body: { value: 1 } });
    expect(auto.status).toBe(403);
    expect(auto.json.error).toBe("forbidden - the API key provided does not give access to alice's data");
    expect((await t.req('GET', `${A}/feeds/brand-new`)).status).toBe(404);
    // bad input is checked as for the owner
    expect((await t.req('POST', `${A}/feeds/temp/data`, { as: t.bob, body: { value: 'x'.repeat(2000) } })).status).toBe(422);
    // the feed itself stays alice's to change
    expect((await t.req('PUT', `${A}/feeds/temp`, { as: t.bob, body: { name: 'Mine' } })).status).toBe(403);
    expect((await t.req('DELETE', `${A}/feeds/temp`, { as: t.bob })).status).toBe(403);
    expect((await t.req('POST', `${A}/feeds`, { as: t.bob, body: { name: 'Planted' } })).status).toBe(403);
  });

  it('r only: writes are refused, and carol may write nothing', async () => {
    await share('feeds/temp');
    expect(await statuses('POST', `${A}/feeds/temp/data`, { value: 1 })).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
    const id = (await t.req('GET', `${A}/feeds/temp/data/last`)).json.id;
    expect((await t.req('DELETE', `${A}/feeds/temp/data/${id}`, { as: t.bob })).status).toBe(403);
  });

  it('revocation: the next request after a delete or a narrowing is refused', async () => {
    const row = await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    expect((await t.req('POST', `${A}/feeds/temp/data`, { as: t.bob, body: { value: 1 } })).status).toBe(200);
    await t.req('PATCH', `${A}/feeds/temp/acl/${row.id}`, { body: { mode: 'r' } });
    expect((await t.req('POST', `${A}/feeds/temp/data`, { as: t.bob, body: { value: 2 } })).status).toBe(403);
    expect((await t.req('GET', `${A}/feeds/temp`, { as: t.bob })).status).toBe(200);
    await t.req('DELETE', `${A}/feeds/temp/acl/${row.id}`);
    expect((await t.req('GET', `${A}/feeds/temp`, { as: t.bob })).status).toBe(403);
  });

  it('deleting a feed deletes its permissions: a new feed with the same key is not shared', async () => {
    await share('feeds/temp');
    await t.req('DELETE', `${A}/feeds/temp`);
    await t.req('POST', `${A}/feeds`, { body: { name: 'Temp' } });
    expect((await t.req('GET', `${A}/feeds/temp`, { as: t.bob })).status).toBe(403);
    expect((await t.req('GET', `${A}/feeds/temp/acl`)).json).toEqual([]);
  });
});

describe('groups and dashboards shared', () => {
  beforeEach(async () => {
    await t.req('POST', `${A}/groups`, { body: { name: 'Room' } });
    await t.req('POST', `${A}/groups/room/feeds`, { body: { feed: { name: 'Humidity' } } });
    await t.req('POST', `${A}/groups/room/add`, { body: { feed_key: 'temp' } });
    await t.req('POST', `${A}/groups`, { body: { name: 'Private Stuff' } });
    await t.req('POST', `${A}/groups/private-stuff/add`, { body: { feed_key: 'temp' } });
  });

  it('a group shared rw: bob reads the group and its feeds, writes their data, never adds feeds', async () => {
    await share('groups/room', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    const group = await t.req('GET', `${A}/groups/room`, { as: t.bob });
    expect(group.status).toBe(200);
    expect(group.json.feeds.map((f: { key: string }) => f.key)).toEqual(['temp', 'room.humidity']);
    // the feeds' other groups show only if bob may read them
    const temp = group.json.feeds[0];
    expect(temp.groups.map((g: { key: string }) => g.key)).toEqual(['default', 'room']);
    expect((await t.req('GET', `${A}/groups`, { as: t.bob })).json.map((g: { key: string }) => g.key)).toEqual(['room']);
    expect((await t.req('GET', `${A}/groups/room/feeds`, { as: t.bob })).json).toHaveLength(2);
    expect((await t.req('GET', `${A}/groups/room/feeds/humidity/data`, { as: t.bob })).status).toBe(200);
    expect((await t.req('POST', `${A}/groups/room/feeds/humidity/data`, { as: t.bob, body: { value: 55 } })).status).toBe(200);
    expect((await t.req('POST', `${A}/feeds/room.humidity/data`, { as: t.bob, body: { value: 56 } })).status).toBe(200);
    const data = await t.req('POST', `${A}/groups/room/data`, {
      as: t.bob,
      body: {
        feeds: [
          { key: 'humidity', value: 57 },
          { key: 'temp', value: 22 },
        ],
      },
    });
    expect(data.status).toBe(200);
    expect(data.json.map((d: { feed_key: string; value: string }) => `${d.feed_key}=${d.value}`)).toEqual(['room.humidity=57', 'temp=22']);
    const made = await t.req('POST', `${A}/groups/room/data`, { as: t.bob, body: { feeds: [{ key: 'new-one', value: 1 }] } });
    expect(made.status).toBe(404);
    expect((await t.req('GET', `${A}/feeds/room.new-one`)).status).toBe(404);
    expect((await t.req('GET', `${A}/feeds/room.humidity/data`)).json).toHaveLength(3);
    // the group itself stays alice's; the other group and its path stay closed
    expect((await t.req('PUT', `${A}/groups/room`, { as: t.bob, body: { name: 'x' } })).status).toBe(403);
    expect((await t.req('POST', `${A}/groups/room/add`, { as: t.bob, body: { feed_key: 'secret' } })).status).toBe(403);
    expect((await t.req('GET', `${A}/groups/private-stuff`, { as: t.bob })).status).toBe(403);
    expect((await t.req('GET', `${A}/groups/private-stuff/feeds/temp/data`, { as: t.bob })).status).toBe(403);
    expect((await t.req('GET', `${A}/feeds/secret`, { as: t.bob })).status).toBe(403);
  });

  it('a public group: anyone reads it and its feeds without a key', async () => {
    await t.req('PUT', `${A}/groups/room`, { body: { visibility: 'public' } });
    expect((await t.req('GET', `${A}/groups/room/acl`)).json).toMatchObject([{ scope: 'public', mode: 'r' }]);
    expect(await statuses('GET', `${A}/groups/room`)).toEqual({ alice: 200, bob: 200, carol: 200, nokey: 200 });
    expect(await statuses('GET', `${A}/feeds/temp/data`)).toEqual({ alice: 200, bob: 200, carol: 200, nokey: 200 });
    expect(await statuses('POST', `${A}/groups/room/data`, { feeds: { temp: 1 } })).toEqual({
      alice: 200,
      bob: 403,
      carol: 403,
      nokey: 401,
    });
    expect((await t.req('GET', `${A}/feeds`, { key: null })).json.map((f: { key: string }) => f.key)).toEqual(['temp', 'room.humidity']);
  });

  it('a public dashboard: its record, blocks and their feeds’ data, and nothing else', async () => {
    await t.req('POST', `${A}/dashboards`, { body: { name: 'Board' } });
    const block = await t.req('POST', `${A}/dashboards/board/blocks`, {
      body: { visual_type: 'gauge', block_feeds: [{ feed_id: 'temp' }] },
    });
    await share('dashboards/board', {});
    expect(await statuses('GET', `${A}/dashboards/board`)).toEqual({ alice: 200, bob: 200, carol: 200, nokey: 200 });
    expect(await statuses('GET', `${A}/dashboards/board/blocks`)).toEqual({ alice: 200, bob: 200, carol: 200, nokey: 200 });
    expect(await statuses('GET', `${A}/dashboards/board/blocks/${block.json.id}`)).toEqual({
      alice: 200,
      bob: 200,
      carol: 200,
      nokey: 200,
    });
    expect(await statuses('GET', `${A}/feeds/temp/data/chart`)).toEqual({ alice: 200, bob: 200, carol: 200, nokey: 200 });
    expect(await statuses('GET', `${A}/feeds/secret/data`)).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
    expect((await t.req('GET', `${A}/dashboards`, { key: null })).json.map((d: { key: string }) => d.key)).toEqual(['board']);
    expect(await statuses('PUT', `${A}/dashboards/board`, { name: 'x' })).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
    expect(await statuses('DELETE', `${A}/dashboards/board/blocks/${block.json.id}`)).toEqual({
      alice: 200,
      bob: 403,
      carol: 403,
      nokey: 401,
    });
    // with the block gone, the feed is no longer shown by the dashboard
    expect(await statuses('GET', `${A}/feeds/temp/data`)).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
  });
});

describe('public feeds', () => {
  it('visibility public: anyone reads it without a key, at the owner’s paths; the list has public feeds only', async () => {
    await t.req('PUT', `${A}/feeds/temp`, { body: { visibility: 'public' } });
    expect((await t.req('GET', `${A}/feeds/temp/acl`)).json).toMatchObject([{ scope: 'public', mode: 'r', scope_value: null }]);
    for (const path of [
      'feeds/temp',
      'feeds/temp/details',
      'feeds/temp/data',
      'feeds/temp/data/last',
      'feeds/temp/data/retain',
      'feeds/temp/data/chart',
    ]) {
      expect(await statuses('GET', `${A}/${path}`), path).toEqual({ alice: 200, bob: 200, carol: 200, nokey: 200 });
    }
    const list = await t.req('GET', `${A}/feeds`, { key: null });
    expect(list.json.map((f: { key: string }) => f.key)).toEqual(['temp']);
    expect(list.json[0]).toMatchObject({ visibility: 'public', is_shared: true, writable: false });
    expect(await statuses('POST', `${A}/feeds/temp/data`, { value: 1 })).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
    // a wrong key is still a wrong key
    expect((await t.req('GET', `${A}/feeds/temp`, { key: 'wrong' })).status).toBe(401);
    // and the account-wide routes stay closed
    expect((await t.req('GET', '/api/v2/user', { key: null })).status).toBe(401);
    expect((await t.req('GET', `${A}/throttle`, { key: null })).status).toBe(401);
    await t.req('PUT', `${A}/feeds/temp`, { body: { visibility: 'private' } });
    expect(await statuses('GET', `${A}/feeds/temp`)).toEqual({ alice: 200, bob: 403, carol: 403, nokey: 401 });
    expect((await t.req('GET', `${A}/feeds`, { key: null })).status).toBe(401);
  });
});

describe('tokens of the grantee', () => {
  it('bob’s token reads what is shared with bob within its flags; a feed-limited token only its own feed', async () => {
    await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    const readOnly = (
      await t.req('POST', '/api/v2/bob/tokens', { as: t.bob, body: { createable: false, updateable: false, deleteable: false } })
    ).json.key;
    expect((await t.req('GET', `${A}/feeds/temp/data`, { key: readOnly })).status).toBe(200);
    const write = await t.req('POST', `${A}/feeds/temp/data`, { key: readOnly, body: { value: 1 } });
    expect(write.status).toBe(403);
    expect(write.json.error).toMatch(/this token does not allow creating/);
    const all = (await t.req('POST', '/api/v2/bob/tokens', { as: t.bob, body: {} })).json.key;
    expect((await t.req('POST', `${A}/feeds/temp/data`, { key: all, body: { value: 2 } })).status).toBe(200);
    expect((await t.req('GET', `${A}/feeds/secret`, { key: all })).status).toBe(403);
    await t.req('POST', '/api/v2/bob/feeds', { as: t.bob, body: { name: 'Temp' } });
    const limited = (await t.req('POST', '/api/v2/bob/tokens', { as: t.bob, body: { feed_id: 'temp' } })).json.key;
    expect((await t.req('GET', '/api/v2/bob/feeds/temp', { key: limited })).status).toBe(200);
    const elsewhere = await t.req('GET', `${A}/feeds/temp`, { key: limited });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.error).toMatch(/only gives access to the feed with id/);
  });
});
