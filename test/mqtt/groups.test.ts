// Group topics (compat-notes §3.4, §3.5): JSON and CSV publishes store each feed in the group;
// group subscribers receive the feeds that changed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { makeMqtt, type MqttTest } from './helpers.js';

let t: MqttTest;
let pub: MqttClient;
beforeEach(async () => {
  t = await makeMqtt();
  pub = await t.connect(t.alice);
  expect((await t.req('POST', '/api/v2/alice/groups', { body: { name: 'example' } })).status).toBe(201);
});
afterEach(async () => {
  await t.close();
});

async function groupData(group = 'example') {
  const res = await t.req('GET', `/api/v2/alice/groups/${group}/feeds`);
  expect(res.status).toBe(200);
  return Object.fromEntries((res.json as Array<{ key: string; last_value: string }>).map((f) => [f.key, f.last_value]));
}

describe('PUBLISH to group topics', () => {
  it('JSON {"feeds":{...},"location":{...}} on {user}/groups/{g} stores each feed in the group (Ruby)', async () => {
    await pub.publishAsync('alice/groups/example', '{"feeds":{"key-1":"value 1","key-2":2},"location":{"lat":1.5,"lon":2.5,"ele":3}}', {
      qos: 1,
    });
    expect(await groupData()).toEqual({ 'example.key-1': 'value 1', 'example.key-2': '2' });
    const last = await t.req('GET', '/api/v2/alice/feeds/example.key-2/data/last');
    expect(last.json).toMatchObject({ value: '2', lat: 1.5, lon: 2.5, ele: 3 });
  });

  it('JSON on {user}/g/{g}/json', async () => {
    await pub.publishAsync('alice/g/example/json', '{"feeds":{"a":"1"}}', { qos: 1 });
    expect(await groupData()).toEqual({ 'example.a': '1' });
  });

  it('CSV key,value lines with a trailing newline on {user}/g/{g}/csv (Arduino)', async () => {
    await pub.publishAsync('alice/g/example/csv', 'temp,21.5\nhumid,40\nlocation,1.5,2.5,3\n', { qos: 1 });
    expect(await groupData()).toEqual({ 'example.temp': '21.5', 'example.humid': '40' });
    const last = await t.req('GET', '/api/v2/alice/feeds/example.temp/data/last');
    expect(last.json).toMatchObject({ lat: 1.5, lon: 2.5, ele: 3 });
  });

  it('reaches existing member feeds by their key inside the group', async () => {
    await pub.publishAsync('alice/g/example/csv', 'temp,1\n', { qos: 1 });
    await pub.publishAsync('alice/groups/example', '{"feeds":{"temp":"2"}}', { qos: 1 });
    const res = await t.req('GET', '/api/v2/alice/feeds/example.temp/data');
    expect(res.json.map((d: { value: string }) => d.value)).toEqual(['2', '1']);
  });

  it('creates the group on first publish', async () => {
    await pub.publishAsync('alice/g/weatherstation/csv', 'wind,3\n', { qos: 1 });
    expect(await groupData('weatherstation')).toEqual({ 'weatherstation.wind': '3' });
  });
});

describe('group subscriptions', () => {
  it('a group publish arrives as one message with every changed feed, JSON by default and CSV on /csv', async () => {
    const json = await t.listen(t.alice, ['alice/groups/example']);
    const g = await t.listen(t.alice, ['alice/g/example/json']);
    const csv = await t.listen(t.alice, ['alice/g/example/csv']);
    await pub.publishAsync('alice/groups/example', '{"feeds":{"a":"1","b":2}}', { qos: 1 });
    await t.barrier(pub, json.inbox, g.inbox, csv.inbox);
    expect(json.inbox.list()).toEqual(['alice/groups/example {"feeds":{"a":"1","b":"2"}}']);
    expect(g.inbox.list()).toEqual(['alice/g/example/json {"feeds":{"a":"1","b":"2"}}']);
    expect(csv.inbox.list()).toEqual(['alice/g/example/csv a,1\nb,2']);
  });

  it('a location travels with the group message', async () => {
    const json = await t.listen(t.alice, ['alice/g/example']);
    const csv = await t.listen(t.alice, ['alice/g/example/csv']);
    await pub.publishAsync('alice/g/example/csv', 'a,1\nlocation,1.5,2.5,3\n', { qos: 1 });
    await t.barrier(pub, json.inbox, csv.inbox);
    expect(json.inbox.list()).toEqual(['alice/g/example {"feeds":{"a":"1"},"location":{"lat":1.5,"lon":2.5,"ele":3}}']);
    expect(csv.inbox.list()).toEqual(['alice/g/example/csv a,1\nlocation,1.5,2.5,3']);
  });

  it('a feed publish reaches the subscribers of its group with its key in the group', async () => {
    await pub.publishAsync('alice/g/example/csv', 'key-1,0\n', { qos: 1 });
    const { inbox } = await t.listen(t.alice, ['alice/groups/example', 'alice/f/example.key-1']);
    await pub.publishAsync('alice/feeds/example.key-1', 'value 1', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/example.key-1 value 1', 'alice/groups/example {"feeds":{"key-1":"value 1"}}']);
  });

  it('a group publish also reaches the feed subscribers of each feed', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/f/+', 'alice/f/example.b/csv']);
    await pub.publishAsync('alice/groups/example', '{"feeds":{"a":"1","b":"2"}}', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/f/example.a 1', 'alice/f/example.b 2', 'alice/f/example.b/csv 2,,,']);
  });

  it('feeds of the default group reach `{user}/g/default`', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/g/default']);
    await pub.publishAsync('alice/f/plain-feed', '5', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/g/default {"feeds":{"plain-feed":"5"}}']);
  });

  it('a feed added to a second group reaches both groups', async () => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'shared' } });
    await t.req('POST', '/api/v2/alice/groups/example/add', { body: { feed_key: 'shared' } });
    const { inbox } = await t.listen(t.alice, ['alice/g/example', 'alice/g/default/csv']);
    await pub.publishAsync('alice/f/shared', 'x', { qos: 1 });
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/g/default/csv shared,x', 'alice/g/example {"feeds":{"shared":"x"}}']);
  });

  it('group wildcards (`{user}/g/+`, `{user}/groups/#`) get group topics; `{user}/#` gets feed aliases only', async () => {
    const plus = await t.listen(t.alice, ['alice/g/+']);
    const hash = await t.listen(t.alice, ['alice/groups/#']);
    const all = await t.listen(t.alice, ['alice/#']);
    await pub.publishAsync('alice/groups/example', '{"feeds":{"a":"1"}}', { qos: 1 });
    await t.barrier(pub, plus.inbox, hash.inbox, all.inbox);
    expect(plus.inbox.list()).toEqual(['alice/g/example {"feeds":{"a":"1"}}']);
    expect(hash.inbox.list()).toEqual([
      'alice/groups/example {"feeds":{"a":"1"}}',
      'alice/groups/example/csv a,1',
      'alice/groups/example/json {"feeds":{"a":"1"}}',
    ]);
    expect(all.inbox.withoutBarrier().every((m) => m.topic.includes('/f/') || m.topic.includes('/feeds/'))).toBe(true);
    expect(all.inbox.withoutBarrier()).toHaveLength(6);
  });

  it('HTTP group data arrives as one group message', async () => {
    const { inbox } = await t.listen(t.alice, ['alice/g/example/csv']);
    const res = await t.req('POST', '/api/v2/alice/groups/example/data', {
      body: {
        feeds: [
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ],
      },
    });
    expect(res.status).toBe(200);
    await t.barrier(pub, inbox);
    expect(inbox.list()).toEqual(['alice/g/example/csv a,1\nb,2']);
  });
});
