// `/get` (compat-notes §3.6): the last value, only to the asking client, on the topic without `/get`,
// in that topic's format; not stored, not fanned out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { makeMqtt, type MqttTest } from './helpers.js';

let t: MqttTest;
let pub: MqttClient;
beforeEach(async () => {
  t = await makeMqtt();
  pub = await t.connect(t.alice);
  await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Counter', key: 'counter' } });
  await t.req('POST', '/api/v2/alice/feeds/counter/data', { body: { value: 1 } });
  await t.req('POST', '/api/v2/alice/feeds/counter/data', { body: { value: 41, lat: 1.5, lon: 2.5, ele: 3 } });
});
afterEach(async () => {
  await t.close();
});

describe('/get', () => {
  it('{user}/f/{key}/get with a "\\0" payload (CircuitPython) answers on {user}/f/{key}', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/f/counter']);
    await client.publishAsync('alice/f/counter/get', '\0');
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual(['alice/f/counter 41']);
  });

  it('empty payload on {user}/feeds/{key}/get (Python) answers on {user}/feeds/{key}', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/feeds/counter']);
    await client.publishAsync('alice/feeds/counter/get', '');
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual(['alice/feeds/counter 41']);
  });

  it('/csv/get with a zero-length payload (Arduino) answers in CSV on the /csv topic', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/f/Counter/csv']);
    await client.publishAsync('alice/f/Counter/csv/get', '');
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual(['alice/f/Counter/csv 41,1.5,2.5,3']);
  });

  it('/json/get answers with the data record', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/f/counter/json']);
    await client.publishAsync('alice/f/counter/json/get', '');
    await t.barrier(client, inbox);
    expect(JSON.parse(inbox.on('alice/f/counter/json').payload)).toMatchObject({ value: '41', feed_key: 'counter', lat: 1.5 });
  });

  it('answers only the asking client, and is neither stored nor fanned out', async () => {
    const asker = await t.listen(t.alice, ['alice/f/counter']);
    const other = await t.listen(t.alice, ['alice/f/counter', 'alice/#']);
    await asker.client.publishAsync('alice/f/counter/get', '', { qos: 1 });
    await t.barrier(pub, asker.inbox, other.inbox);
    expect(asker.inbox.list()).toEqual(['alice/f/counter 41']);
    expect(other.inbox.list()).toEqual([]);
    const data = await t.req('GET', '/api/v2/alice/feeds/counter/data');
    expect(data.json).toHaveLength(2);
  });

  it('answers even without a subscription to the topic (on the topic minus /get)', async () => {
    const { client, inbox } = await t.listen(t.alice, []);
    await client.publishAsync('alice/feeds/counter/get', '');
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual(['alice/feeds/counter 41']);
  });

  it('does not move the data/next read pointer', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/f/counter']);
    await client.publishAsync('alice/f/counter/get', '');
    await t.barrier(client, inbox);
    const next = await t.req('GET', '/api/v2/alice/feeds/counter/data/next');
    expect(next.json.value).toBe('1');
  });

  it('group /get answers with the last value of each feed in the group', async () => {
    await pub.publishAsync('alice/g/weather/csv', 'temp,20\nhumid,50\n', { qos: 1 });
    const { client, inbox } = await t.listen(t.alice, ['alice/g/weather/csv', 'alice/groups/weather']);
    await client.publishAsync('alice/g/weather/csv/get', '');
    await client.publishAsync('alice/groups/weather/get', '');
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual(['alice/g/weather/csv temp,20\nhumid,50', 'alice/groups/weather {"feeds":{"temp":"20","humid":"50"}}']);
  });

  it('an unknown feed is reported on {user}/errors and nothing else is sent', async () => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors', 'alice/f/nope']);
    await client.publishAsync('alice/f/nope/get', '');
    const err = await inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(err.payload).toMatch(/PUBLISH alice\/f\/nope\/get rejected, not found/);
    await t.barrier(client, inbox);
    expect(inbox.list().filter((l) => !l.startsWith('alice/errors'))).toEqual([]);
    expect((await t.req('GET', '/api/v2/alice/feeds/nope')).status).toBe(404);
  });
});
