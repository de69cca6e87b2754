// Shared feeds over MQTT (compat-notes §3.2, §3.3, §3.8): the topics real clients use for another
// account's feed (Python `feed_user` → `{owner}/feeds/{key}`, CircuitPython `shared_user` →
// `{owner}/f/{key}`, Arduino `io.feed(name, owner)` → `{owner}/f/{name}/csv`), delivered exactly as to
// the owner's own subscribers; refusals in the hosted words; revocation while subscribed. Three
// accounts: alice owns, bob is given things, carol is given nothing.
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestAccount } from '../helpers.js';
import { BARRIER_FEED, Inbox, makeMqtt, suback, type MqttTest } from './helpers.js';

let t: MqttTest;
let carol: TestAccount;
let alicePub: MqttClient;
beforeEach(async () => {
  t = await makeMqtt();
  carol = { ...t.core.accounts.add('carol', 'carol-key-0123456789'), name: 'carol' };
  await post('temp', '20');
  await post('secret', 'hidden');
  alicePub = await t.connect(t.alice);
});
afterEach(async () => {
  await t.close();
});

const A = '/api/v2/alice';

async function post(feed: string, value: string, as?: TestAccount) {
  const res = await t.req('POST', `/api/v2/${(as ?? t.alice).name}/feeds/${feed}/data`, { as, body: { value } });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

async function share(path: string, body: unknown = { scope: 'user', scope_value: 'bob', mode: 'r' }) {
  const res = await t.req('POST', `${A}/${path}/acl`, { body });
  expect(res.status, res.text).toBe(200);
  return res.json as { id: number };
}

/** Subscribes `as` to `filters` (and its own errors and barrier topics) and returns the client, its inbox and the SUBACK codes. */
async function listen(as: TestAccount, filters: string[], qos: 0 | 1 = 0) {
  const { client, inbox } = await t.listen(as, [`${as.name}/errors`]);
  const codes = filters.length ? await suback(client, Object.fromEntries(filters.map((f) => [f, { qos }]))) : [];
  return { client, inbox, codes };
}

const errorsOf = (inbox: Inbox, pattern: RegExp) =>
  inbox.waitFor((m) => m.topic.endsWith('/errors') && pattern.test(m.payload)).then((m) => m.payload);

/** Everything due to the inboxes has arrived: a barrier point from each inbox's own account. */
async function settle(...who: Array<{ client: MqttClient; inbox: Inbox }>) {
  for (const w of who) await t.barrier(w.client, w.inbox);
}

const CLIENT_TOPICS = ['alice/feeds/temp', 'alice/f/temp', 'alice/f/temp/csv', 'alice/f/temp/json', 'alice/feeds/Temp'];

describe('subscribing to a feed shared for reading', () => {
  it('bob gets alice’s points on the topics the real clients use, as alice’s own subscribers get them', async () => {
    await share('feeds/temp');
    const bob = await listen(t.bob, CLIENT_TOPICS);
    expect(bob.codes).toEqual([0, 0, 0, 0, 0]);
    const own = await listen(t.alice, CLIENT_TOPICS);
    await alicePub.publishAsync('alice/f/temp', '21.5', { qos: 1 });
    await post('temp', JSON.stringify({ a: 1 })); // and over HTTP
    await t.req('POST', `${A}/feeds/temp/data`, { body: { value: 7, lat: 1.5, lon: -2, ele: 3 } });
    await settle(bob, own);
    expect(bob.inbox.list()).toHaveLength(15);
    const payloads = (inbox: Inbox) => inbox.withoutBarrier().map((m) => `${m.topic} ${m.payload.replace(/"id":"[^"]+"/, '')}`);
    expect(payloads(bob.inbox)).toEqual(payloads(own.inbox));
    expect(bob.inbox.list()).toContain('alice/f/temp/csv 7,1.5,-2,3');
  });

  it('carol, and anonymous clients, are refused: no wildcard, no group, no errors or throttle topic, for bob either', async () => {
    await share('feeds/temp');
    const c = await listen(carol, ['alice/f/temp', 'alice/f/missing']);
    expect(c.codes).toEqual([128, 128]);
    const text = await errorsOf(c.inbox, /SUBSCRIBE alice\/f\/temp /);
    expect(text).toMatch(/ SUBSCRIBE alice\/f\/temp rejected, resource not available or not authorized$/);
    expect(await errorsOf(c.inbox, /alice\/f\/missing/)).toMatch(/rejected, resource not available or not authorized$/);
    const anon = await t.connect(null);
    expect(await suback(anon, ['alice/f/temp'])).toEqual([128]);
    const bob = await listen(t.bob, [
      'alice/f/+',
      'alice/#',
      'alice/feeds/#',
      '+/f/temp',
      'alice/g/default',
      'alice/errors',
      'alice/throttle',
      'alice/f/secret',
    ]);
    expect(bob.codes).toEqual([128, 128, 128, 128, 128, 128, 128, 128]);
    await alicePub.publishAsync('alice/f/temp', '1', { qos: 1 });
    await settle(c, bob);
    expect(c.inbox.list().filter((m) => !m.startsWith('carol/errors'))).toEqual([]);
    expect(bob.inbox.list().filter((m) => !m.startsWith('bob/errors'))).toEqual([]);
  });

  it('a group shared with bob opens its feeds’ topics (not the group’s)', async () => {
    await t.req('POST', `${A}/groups`, { body: { name: 'Room' } });
    await t.req('POST', `${A}/groups/room/add`, { body: { feed_key: 'temp' } });
    await share('groups/room');
    const bob = await listen(t.bob, ['alice/f/temp', 'alice/g/room', 'alice/f/secret']);
    expect(bob.codes).toEqual([0, 128, 128]);
    await alicePub.publishAsync('alice/f/temp', '5', { qos: 1 });
    await settle(bob);
    expect(bob.inbox.list().filter((m) => !m.startsWith('bob/errors'))).toEqual(['alice/f/temp 5']);
  });

  it('a public feed: any logged-in account subscribes; anonymous clients still get time/* only', async () => {
    await t.req('PUT', `${A}/feeds/temp`, { body: { visibility: 'public' } });
    const c = await listen(carol, ['alice/feeds/temp/json']);
    expect(c.codes).toEqual([0]);
    const anon = await t.connect(null);
    expect(await suback(anon, ['alice/feeds/temp'])).toEqual([128]);
    await alicePub.publishAsync('alice/feeds/temp', '9', { qos: 1 });
    const got = await c.inbox.waitFor((m) => m.topic === 'alice/feeds/temp/json');
    expect(JSON.parse(got.payload)).toMatchObject({ value: '9', feed_key: 'temp' });
  });

  it('the SubscriptionIndex files bob’s subscription under alice, beside hers', async () => {
    await share('feeds/temp');
    await listen(t.bob, ['alice/f/temp']);
    const sessions = [...(t.broker.index.forUser('alice')?.keys() ?? [])];
    expect(sessions.map((s) => s.user?.username)).toContain('bob');
  });
});

describe('publishing to a shared feed', () => {
  it('w: bob’s points are stored as alice’s before the PUBACK, delivered to alice, and come from bob’s budget', async () => {
    await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'w' });
    const alice = await listen(t.alice, ['alice/f/temp', 'alice/f/temp/csv']);
    const bob = await listen(t.bob, []);
    await bob.client.publishAsync('alice/f/temp', '30', { qos: 1 });
    // Arduino: `"value",lat,lon,ele`; CircuitPython: value then metadata with spaces
    await bob.client.publishAsync('alice/f/temp/csv', '"31",0.000000,0.000000,0.00', { qos: 1 });
    await bob.client.publishAsync('alice/feeds/temp', JSON.stringify({ value: 32, lat: 40.7, lon: -74, ele: 6 }), { qos: 1 });
    const data = (await t.req('GET', `${A}/feeds/temp/data`)).json.map((d: { value: string }) => d.value);
    expect(data).toEqual(['32', '31', '30', '20']);
    await settle(alice);
    expect(alice.inbox.list()).toEqual(
      [
        'alice/f/temp 30',
        'alice/f/temp 31',
        'alice/f/temp 32',
        'alice/f/temp/csv 30,,,',
        'alice/f/temp/csv 31,0,0,0',
        'alice/f/temp/csv 32,40.7,-74,6',
      ].sort(),
    );
    expect((await t.req('GET', '/api/v2/bob/throttle', { as: t.bob })).json.active_data_rate).toBe(3);
    expect(bob.inbox.list()).toEqual([]);
  });

  it('refused in the hosted words without w, on a missing feed (never created), and on a group topic', async () => {
    await share('feeds/temp');
    const bob = await listen(t.bob, []);
    await bob.client.publishAsync('alice/f/temp', 'nope', { qos: 1 });
    expect(await errorsOf(bob.inbox, /alice\/f\/temp /)).toMatch(
      new RegExp(`^${bob.client.options.clientId} 127\\.0\\.0\\.1 PUBLISH alice/f/temp rejected, only shared feeds may be published to$`),
    );
    await bob.client.publishAsync('alice/f/brand-new', '1', { qos: 1 });
    expect(await errorsOf(bob.inbox, /brand-new/)).toMatch(/PUBLISH alice\/f\/brand-new rejected, only shared feeds may be published to$/);
    await bob.client.publishAsync('alice/g/default', JSON.stringify({ feeds: { temp: 1 } }), { qos: 1 });
    expect(await errorsOf(bob.inbox, /alice\/g\/default/)).toMatch(
      /rejected, in \{username\}\/\{type\}\/\{key\} topics for shared resources, \{type\} must be "feeds"$/,
    );
    const c = await listen(carol, []);
    await c.client.publishAsync('alice/f/temp', 'nope', { qos: 1 });
    expect(await errorsOf(c.inbox, /alice\/f\/temp/)).toMatch(/only shared feeds may be published to$/);
    expect((await t.req('GET', `${A}/feeds/temp/data`)).json.map((d: { value: string }) => d.value)).toEqual(['20']);
    expect((await t.req('GET', `${A}/feeds/brand-new`)).status).toBe(404);
    expect(bob.client.connected).toBe(true);
  });

  it('/get: the last value to bob alone when the feed is shared for reading', async () => {
    await share('feeds/temp');
    const bob = await listen(t.bob, ['alice/f/temp/csv']);
    const other = await listen(t.alice, ['alice/f/temp/csv']);
    await bob.client.publishAsync('alice/f/temp/csv/get', '', { qos: 1 });
    expect((await bob.inbox.waitFor((m) => m.topic === 'alice/f/temp/csv')).payload).toBe('20,,,');
    await settle(other);
    expect(other.inbox.list()).toEqual([]);
    const c = await listen(carol, []);
    await c.client.publishAsync('alice/f/temp/get', '', { qos: 1 });
    expect(await errorsOf(c.inbox, /alice\/f\/temp\/get/)).toMatch(/rejected, resource not available or not authorized$/);
  });

  it('an Arduino sketch with io.feed(name, owner): subscribe and publish `{owner}/f/{name}/csv`, `/get` with nothing', async () => {
    await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    // Adafruit_MQTT matches incoming topics by exact string: everything must come back on this one
    const topic = 'alice/f/temp/csv';
    const bob = await listen(t.bob, [topic], 1);
    expect(bob.codes).toEqual([1]);
    await bob.client.publishAsync(`${topic}/get`, '', { qos: 0 });
    expect((await bob.inbox.waitFor((m) => m.topic === topic)).payload).toBe('20,,,');
    bob.inbox.clear();
    await bob.client.publishAsync(topic, '"42",0.000000,0.000000,0.00', { qos: 1 });
    expect((await bob.inbox.waitFor((m) => m.topic === topic)).payload).toBe('42,0,0,0');
    await alicePub.publishAsync('alice/f/temp', '43', { qos: 1 });
    expect((await bob.inbox.waitFor((m) => m.payload.startsWith('43'))).topic).toBe(topic);
  });
});

describe('revocation while subscribed', () => {
  it('deleting the permission stops deliveries at once and tells bob on his errors topic', async () => {
    const row = await share('feeds/temp');
    const bob = await listen(t.bob, ['alice/f/temp', 'alice/feeds/temp/csv']);
    await alicePub.publishAsync('alice/f/temp', 'before', { qos: 1 });
    await bob.inbox.waitFor((m) => m.payload === 'before');
    expect((await t.req('DELETE', `${A}/feeds/temp/acl/${row.id}`)).status).toBe(200);
    // the subscriptions are gone from the index before the DELETE is answered
    expect([...(t.broker.index.forUser('alice')?.keys() ?? [])].some((s) => s.user?.username === 'bob')).toBe(false);
    await alicePub.publishAsync('alice/f/temp', 'after', { qos: 1 });
    await post('temp', 'after-http');
    await settle(bob);
    expect(bob.inbox.list().filter((m) => m.includes('after'))).toEqual([]);
    expect(await errorsOf(bob.inbox, /SUBSCRIBE alice\/feeds\/temp\/csv/)).toMatch(/rejected, resource not available or not authorized$/);
    // a new SUBSCRIBE is refused too
    expect(await suback(bob.client, ['alice/f/temp'])).toEqual([128]);
  });

  it('narrowing rw to w (no more reading) ends the subscriptions; rw to r keeps them', async () => {
    const row = await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    const bob = await listen(t.bob, ['alice/f/temp']);
    await t.req('PATCH', `${A}/feeds/temp/acl/${row.id}`, { body: { mode: 'r' } });
    await alicePub.publishAsync('alice/f/temp', 'still', { qos: 1 });
    await bob.inbox.waitFor((m) => m.payload === 'still');
    await bob.client.publishAsync('alice/f/temp', 'mine', { qos: 1 });
    expect(await errorsOf(bob.inbox, /PUBLISH alice\/f\/temp/)).toMatch(/only shared feeds may be published to$/);
    await t.req('PATCH', `${A}/feeds/temp/acl/${row.id}`, { body: { mode: 'w' } });
    await alicePub.publishAsync('alice/f/temp', 'gone', { qos: 1 });
    await settle(bob);
    expect(bob.inbox.list().filter((m) => m.endsWith(' gone'))).toEqual([]);
  });

  it('a public feed made private, a feed taken out of a shared group, a feed deleted and made again: all end the subscriptions', async () => {
    await t.req('PUT', `${A}/feeds/temp`, { body: { visibility: 'public' } });
    await t.req('POST', `${A}/groups`, { body: { name: 'Room' } });
    await t.req('POST', `${A}/groups/room/add`, { body: { feed_key: 'secret' } });
    await share('groups/room');
    await post('other', '0');
    await share('feeds/other');
    const c = await listen(carol, ['alice/f/temp']);
    const bob = await listen(t.bob, ['alice/f/secret', 'alice/f/other']);
    expect([c.codes, bob.codes]).toEqual([[0], [0, 0]]);
    await t.req('PUT', `${A}/feeds/temp`, { body: { visibility: 'private' } });
    await t.req('POST', `${A}/groups/room/remove`, { body: { feed_key: 'secret' } });
    await t.req('DELETE', `${A}/feeds/other`);
    await post('other', 'new feed, same key');
    await alicePub.publishAsync('alice/f/temp', 'x', { qos: 1 });
    await alicePub.publishAsync('alice/f/secret', 'y', { qos: 1 });
    await settle(c, bob);
    expect(c.inbox.list().filter((m) => !m.startsWith('carol/errors'))).toEqual([]);
    expect(bob.inbox.list().filter((m) => !m.startsWith('bob/errors'))).toEqual([]);
  });

  it('bob’s own subscriptions and other shares are untouched by a revocation', async () => {
    const row = await share('feeds/temp');
    await share('feeds/secret');
    const bob = await listen(t.bob, ['alice/f/temp', 'alice/f/secret', 'bob/f/mine']);
    await t.req('DELETE', `${A}/feeds/temp/acl/${row.id}`);
    await alicePub.publishAsync('alice/f/secret', 's', { qos: 1 });
    await post('mine', 'm', t.bob);
    await bob.inbox.waitFor((m) => m.topic === 'alice/f/secret' && m.payload === 's');
    await bob.inbox.waitFor((m) => m.topic === 'bob/f/mine' && m.payload === 'm');
  });
});

describe('tokens of the grantee', () => {
  it('a read-only token subscribes to what is shared with bob but cannot publish there; a feed-limited one neither', async () => {
    await share('feeds/temp', { scope: 'user', scope_value: 'bob', mode: 'rw' });
    const readOnly = (await t.req('POST', '/api/v2/bob/tokens', { as: t.bob, body: { createable: false } })).json.key;
    const viaToken = await t.connect(null, { username: 'bob', password: readOnly });
    const inbox = new Inbox(viaToken);
    expect(await suback(viaToken, ['alice/f/temp', 'bob/errors'])).toEqual([0, 0]);
    await viaToken.publishAsync('alice/f/temp', 'by token', { qos: 1 });
    expect((await inbox.waitFor((m) => m.topic === 'bob/errors')).payload).toMatch(
      /PUBLISH alice\/f\/temp rejected, only shared feeds may be published to$/,
    );
    await alicePub.publishAsync('alice/f/temp', 'seen', { qos: 1 });
    await inbox.waitFor((m) => m.topic === 'alice/f/temp' && m.payload === 'seen');
    await post('mine', '1', t.bob);
    const limited = (await t.req('POST', '/api/v2/bob/tokens', { as: t.bob, body: { feed_id: 'mine' } })).json.key;
    const viaLimited = await t.connect(null, { username: 'bob', password: limited });
    expect(await suback(viaLimited, ['alice/f/temp', 'bob/f/mine'])).toEqual([128, 0]);
  });
});

describe('persistent sessions of the grantee', () => {
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
  });

  async function persistent(as: TestAccount, clientId: string) {
    const client = mqtt.connect(`mqtt://127.0.0.1:${t.port}`, {
      clientId,
      clean: false,
      reconnectPeriod: 0,
      username: as.name,
      password: as.key,
    });
    clients.push(client);
    const inbox = new Inbox(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return { client, inbox };
  }

  async function away(client: MqttClient, clientId: string) {
    await client.endAsync();
    const clientsOf = () => (t.broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
    await vi.waitFor(() => expect(clientsOf()[clientId]).toBeUndefined());
  }

  it('keep a shared subscription while away and replay its queue; a revocation while away ends it', async () => {
    const row = await share('feeds/temp');
    const first = await persistent(t.bob, 'bob-device');
    await first.client.subscribeAsync({ 'alice/f/temp': { qos: 1 }, [`bob/f/${BARRIER_FEED}`]: { qos: 1 } });
    await away(first.client, 'bob-device');
    await post('temp', 'while away');
    const back = await persistent(t.bob, 'bob-device');
    await t.barrier(await t.connect(t.bob), back.inbox);
    expect(back.inbox.list()).toEqual(['alice/f/temp while away']);
    await away(back.client, 'bob-device');

    await t.req('DELETE', `${A}/feeds/temp/acl/${row.id}`);
    await post('temp', 'after revocation');
    expect(t.core.sessions.queued('bob-device')).toHaveLength(0);
    const again = await persistent(t.bob, 'bob-device');
    await t.barrier(await t.connect(t.bob), again.inbox);
    expect(again.inbox.list()).toEqual([]);
    // the stored subscription was checked again at CONNECT and dropped
    await post('temp', 'later');
    await t.barrier(await t.connect(t.bob), again.inbox);
    expect(again.inbox.list()).toEqual([]);
  });
});
