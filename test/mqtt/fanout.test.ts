// Fan-out (compat-notes §3.3, §3.5): every new point reaches every matching subscription, on the exact
// topic string the subscriber used, formatted for it, exactly once per (client, topic).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Inbox, makeMqtt, type MqttTest } from './helpers.js';

let t: MqttTest;
let pub: MqttClient;
beforeEach(async () => {
  t = await makeMqtt();
  pub = await t.connect(t.alice);
  const res = await t.req('POST', '/api/v2/alice/feeds', { body: { feed: { name: 'Room Temp', key: 'room-temp' } } });
  expect(res.status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

const LITERAL_ALIASES = [
  'alice/feeds/room-temp',
  'alice/f/room-temp',
  'alice/feeds/room-temp/json',
  'alice/f/room-temp/json',
  'alice/feeds/room-temp/csv',
  'alice/f/room-temp/csv',
  'alice/feeds/Room Temp',
  'alice/f/Room Temp',
  'alice/f/Room Temp/csv',
  'alice/f/default.room-temp',
  'alice/f/ROOM-TEMP',
];

describe('fan-out MQTT → MQTT', () => {
  it('delivers on every literal alias the client subscribed to, once each, formatted per topic', async () => {
    const { inbox } = await t.listen(t.alice, LITERAL_ALIASES);
    await pub.publishAsync('alice/f/room-temp', '21', { qos: 1 });
    await t.barrier(pub, inbox);
    const got = inbox.withoutBarrier();
    expect(got.map((m) => m.topic).sort()).toEqual([...LITERAL_ALIASES].sort());
    const by = (topic: string) => got.find((m) => m.topic === topic)!.payload;
    for (const topic of [
      'alice/feeds/room-temp',
      'alice/f/room-temp',
      'alice/feeds/Room Temp',
      'alice/f/Room Temp',
      'alice/f/default.room-temp',
      'alice/f/ROOM-TEMP',
    ]) {
      expect(by(topic)).toBe('21');
    }
    expect(by('alice/f/room-temp/csv')).toBe('21,,,');
    expect(by('alice/f/Room Temp/csv')).toBe('21,,,');
    const record = JSON.parse(by('alice/feeds/room-temp/json'));
    expect(record).toMatchObject({ value: '21', feed_key: 'room-temp' });
    expect(Object.keys(record)).toEqual(['id', 'value', 'feed_id', 'feed_key', 'created_at', 'created_epoch', 'expiration']);
    expect(by('alice/f/room-temp/json')).toBe(by('alice/feeds/room-temp/json'));
  });

  it('`{user}/#` receives plain, json and csv on both feeds and f forms of the key: six messages', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/#']);
    await pub.publishAsync('alice/feeds/room-temp', '{"value":"7","lat":1.5,"lon":2.5,"ele":3}', { qos: 1 });
    await t.barrier(pub, inbox);
    const csv = '7,1.5,2.5,3';
    const json = inbox.withoutBarrier().find((m) => m.topic === 'alice/f/room-temp/json')!.payload;
    expect(JSON.parse(json)).toMatchObject({ value: '7', lat: 1.5, lon: 2.5, ele: 3 });
    expect(inbox.list()).toEqual(
      [
        'alice/feeds/room-temp 7',
        'alice/f/room-temp 7',
        `alice/feeds/room-temp/csv ${csv}`,
        `alice/f/room-temp/csv ${csv}`,
        `alice/feeds/room-temp/json ${json}`,
        `alice/f/room-temp/json ${json}`,
      ].sort(),
    );
  });

  it('`{user}/f/+` receives only the plain f topic', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/f/+']);
    await pub.publishAsync('alice/feeds/room-temp', '8', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/room-temp 8']);
  });

  it('`{user}/feeds/#` and `{user}/+/{key}/csv` see the forms they match', async () => {
    const a = await t.listen(t.alice, ['alice/feeds/#']);
    const b = await t.listen(t.alice, ['alice/+/room-temp/csv']);
    await pub.publishAsync('alice/f/room-temp', '9', { qos: 1 });
    await t.barrier(pub, a.inbox, b.inbox);
    expect(
      a.inbox
        .withoutBarrier()
        .map((m) => m.topic)
        .sort(),
    ).toEqual(['alice/feeds/room-temp', 'alice/feeds/room-temp/csv', 'alice/feeds/room-temp/json'].sort());
    expect(b.inbox.list()).toEqual(['alice/f/room-temp/csv 9,,,', 'alice/feeds/room-temp/csv 9,,,']);
  });

  it('overlapping filters of one client deliver each topic once', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/#', 'alice/f/+', 'alice/f/room-temp', 'alice/+/+']);
    await pub.publishAsync('alice/f/room-temp', '10', { qos: 1 });
    await t.barrier(pub, inbox);
    const topics = inbox.withoutBarrier().map((m) => m.topic);
    expect(topics).toHaveLength(6);
    expect(new Set(topics).size).toBe(6);
  });

  it('the publisher receives its own message, exactly once (Python test_subscribe_and_publish)', async () => {
    const client = await t.connect(t.alice);
    const inbox = new Inbox(client);
    // Subscribe and publish without waiting for the SUBACK, as the Python test does.
    client.subscribe(['alice/feeds/testfeed', 'alice/f/zz-barrier']);
    client.publish('alice/feeds/testfeed', '42');
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual(['alice/feeds/testfeed 42']);
  });

  it('sends nothing at subscribe time, even when the feed has data', async () => {
    await pub.publishAsync('alice/f/room-temp', '1', { qos: 1 });
    const { inbox } = await t.listen(t.alice, ['alice/#', 'alice/f/room-temp', 'alice/f/room-temp/csv']);
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual([]);
  });

  it('a name that another feed uses as its key resolves to that feed, as a publish would', async () => {
    // Feed "temp" (key temp) and a feed *named* "temp" whose key became temp-1.
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Temp Sensor', key: 'temp' } });
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp', key: 'temp-1' } });
    const { inbox } = await t.listen(t.alice, ['alice/f/temp']);
    await pub.publishAsync('alice/f/temp-1', 'other', { qos: 1 });
    await pub.publishAsync('alice/f/temp', 'mine', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/temp mine']);
  });

  it('feeds in a group fan out under their group.feed key', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/f/+', 'alice/feeds/weather.humidity/csv']);
    await pub.publishAsync('alice/feeds/weather.humidity', '55', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/weather.humidity 55', 'alice/feeds/weather.humidity/csv 55,,,']);
  });

  it('delivers to every subscribed client, each on its own topic strings', async () => {
    const a = await t.listen(t.alice, ['alice/f/room-temp']);
    const b = await t.listen(t.alice, ['alice/feeds/Room Temp/csv']);
    const c = await t.listen(t.alice, ['alice/feeds/room-temp/json']);
    await pub.publishAsync('alice/f/room-temp', '3', { qos: 1 });
    await t.barrier(pub, a.inbox, b.inbox, c.inbox);
    expect(a.inbox.list()).toEqual(['alice/f/room-temp 3']);
    expect(b.inbox.list()).toEqual(['alice/feeds/Room Temp/csv 3,,,']);
    expect(c.inbox.withoutBarrier().map((m) => m.topic)).toEqual(['alice/feeds/room-temp/json']);
  });

  it("another account's subscribers see nothing of it", async () => {
    const bob = await t.listen(t.bob, ['bob/#']);
    await pub.publishAsync('alice/f/room-temp', '4', { qos: 1 });
    const bobPub = await t.connect(t.bob);
    await t.barrier(bobPub, bob.inbox);
    expect(bob.inbox.list()).toEqual([]);
  });

  it('stops delivering after UNSUBSCRIBE', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/f/room-temp']);
    await client.unsubscribeAsync('alice/f/room-temp');
    await pub.publishAsync('alice/f/room-temp', '5', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual([]);
  });
});

describe('fan-out HTTP → MQTT', () => {
  it('a point posted over HTTP reaches subscribers on every alias', async () => {
    const lit = await t.listen(t.alice, LITERAL_ALIASES);
    const wild = await t.listen(t.alice, ['alice/#']);
    const res = await t.req('POST', '/api/v2/alice/feeds/room-temp/data', { body: { value: 22, lat: 40.1, lon: -74.2 } });
    expect(res.status).toBe(200);
    await t.barrier(pub, lit.inbox, wild.inbox);
    expect(
      lit.inbox
        .withoutBarrier()
        .map((m) => m.topic)
        .sort(),
    ).toEqual([...LITERAL_ALIASES].sort());
    expect(lit.inbox.withoutBarrier().find((m) => m.topic === 'alice/f/room-temp/csv')!.payload).toBe('22,40.1,-74.2,');
    const json = JSON.parse(lit.inbox.withoutBarrier().find((m) => m.topic === 'alice/f/room-temp/json')!.payload);
    expect(json).toEqual(res.json);
    expect(wild.inbox.withoutBarrier()).toHaveLength(6);
  });

  it('a batch posted over HTTP arrives as one message per point, in order', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/f/room-temp']);
    const res = await t.req('POST', '/api/v2/alice/feeds/room-temp/data/batch', { body: [{ value: 1 }, { value: 2 }, { value: 3 }] });
    expect(res.status).toBe(200);
    await t.barrier(pub, inbox);
    expect(inbox.withoutBarrier().map((m) => m.payload)).toEqual(['1', '2', '3']);
  });

  it('a feed auto-created by an HTTP post reaches a subscriber that subscribed before it existed', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/f/Brand New', 'alice/feeds/brand-new/csv']);
    const res = await t.req('POST', '/api/v2/alice/feeds/Brand New/data', { body: { value: 'x' } });
    expect(res.status).toBe(200);
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/Brand New x', 'alice/feeds/brand-new/csv x,,,']);
  });
});
