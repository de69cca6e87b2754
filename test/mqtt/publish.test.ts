// Inbound PUBLISH on feed topics: payload forms (compat-notes §3.4), auto-create, readable over HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { makeMqtt, type MqttTest } from './helpers.js';

let t: MqttTest;
let pub: MqttClient;
beforeEach(async () => {
  t = await makeMqtt();
  pub = await t.connect(t.alice);
});
afterEach(async () => {
  await t.close();
});

/** Publishes at QoS 1: the PUBACK means the point is stored. Returns the newest point over HTTP. */
async function publishAndRead(topic: string, payload: string | Buffer, feed: string) {
  await pub.publishAsync(topic, payload, { qos: 1 });
  const res = await t.req('GET', `/api/v2/alice/feeds/${encodeURIComponent(feed)}/data/last`);
  expect(res.status).toBe(200);
  return res.json as { value: string; lat?: number | null; lon?: number | null; ele?: number | null; feed_key: string };
}

describe('PUBLISH to feed topics stores a data point', () => {
  it('plain text on {user}/feeds/{key}', async () => {
    const d = await publishAndRead('alice/feeds/temp', '22.587', 'temp');
    expect(d.value).toBe('22.587');
    expect(d.lat ?? null).toBeNull();
  });

  it('plain text on the short alias {user}/f/{key}', async () => {
    const d = await publishAndRead('alice/f/temp', '40', 'temp');
    expect(d.value).toBe('40');
  });

  it('IO JSON {"value","lat","lon","ele"} on the plain topic', async () => {
    const d = await publishAndRead('alice/feeds/temp', '{"value":42,"lat":38.1123,"lon":-91.2325,"ele":112}', 'temp');
    expect(d).toMatchObject({ value: '42', lat: 38.1123, lon: -91.2325, ele: 112 });
  });

  it('IO JSON on the /json topic', async () => {
    const d = await publishAndRead('alice/f/temp/json', '{"value":"on","lat":"1.5","lon":"2.5"}', 'temp');
    expect(d).toMatchObject({ value: 'on', lat: 1.5, lon: 2.5 });
  });

  it('a JSON object without "value" is stored whole', async () => {
    const d = await publishAndRead('alice/f/temp', '{"a":1,"b":[1,2]}', 'temp');
    expect(d.value).toBe('{"a":1,"b":[1,2]}');
  });

  it('CSV value,lat,lon,ele on the /csv topic', async () => {
    const d = await publishAndRead('alice/f/temp/csv', '22.587,38.1123,-91.2325,112', 'temp');
    expect(d).toMatchObject({ value: '22.587', lat: 38.1123, lon: -91.2325, ele: 112 });
  });

  it("CSV with a quoted value and Arduino's zero location", async () => {
    const d = await publishAndRead('alice/f/temp/csv', '"42",0.000000,0.000000,0.00', 'temp');
    expect(d).toMatchObject({ value: '42', lat: 0, lon: 0, ele: 0 });
  });

  it('CSV with spaces after commas (CircuitPython) and scientific notation (AVR)', async () => {
    const d = await publishAndRead('alice/f/temp/csv', '1.5e+01, 4.072619e+01, -74.005334, -6', 'temp');
    expect(d).toMatchObject({ value: '1.5e+01', lat: 40.72619, lon: -74.005334, ele: -6 });
  });

  it('a single CSV field is the value only', async () => {
    const d = await publishAndRead('alice/f/temp/csv', 'hello', 'temp');
    expect(d.value).toBe('hello');
  });

  it('creates the feed on first publish, named by the identifier', async () => {
    await pub.publishAsync('alice/feeds/Nutrient Concentration', '7', { qos: 1 });
    const res = await t.req('GET', '/api/v2/alice/feeds/nutrient-concentration');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'Nutrient Concentration', key: 'nutrient-concentration', last_value: '7' });
  });

  it('publishing by name reaches the existing feed', async () => {
    await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'Living Room', key: 'living' } });
    await pub.publishAsync('alice/f/Living Room', '21', { qos: 1 });
    const res = await t.req('GET', '/api/v2/alice/feeds/living/data');
    expect(res.json.map((d: { value: string }) => d.value)).toEqual(['21']);
  });

  it('a group.feed key creates the group and the feed in it', async () => {
    await pub.publishAsync('alice/feeds/weather.humidity', '55', { qos: 1 });
    const feed = await t.req('GET', '/api/v2/alice/feeds/weather.humidity');
    expect(feed.status).toBe(200);
    expect(feed.json.group).toMatchObject({ key: 'weather' });
    expect(feed.json.last_value).toBe('55');
  });

  it('ignores the retain flag: stored once, nothing replayed to a later subscriber', async () => {
    await pub.publishAsync('alice/f/temp', '5', { qos: 1, retain: true });
    const { client, inbox } = await t.listen(t.alice, ['alice/f/temp']);
    await t.barrier(client, inbox);
    expect(inbox.list()).toEqual([]);
    const res = await t.req('GET', '/api/v2/alice/feeds/temp/data');
    expect(res.json).toHaveLength(1);
  });

  it('a point published over MQTT is readable over HTTP with its key', async () => {
    const d = await publishAndRead('alice/f/counter', '1', 'counter');
    expect(d.feed_key).toBe('counter');
  });

  it("a client's will (sent when it drops without DISCONNECT) is stored like a publish", async () => {
    const device = await t.connect(t.alice, { will: { topic: 'alice/f/status', payload: Buffer.from('offline'), qos: 1, retain: true } });
    const { inbox } = await t.listen(t.alice, ['alice/f/status']);
    (device.stream as unknown as { destroy(): void }).destroy();
    expect((await inbox.waitFor((m) => m.topic === 'alice/f/status')).payload).toBe('offline');
    expect((await t.req('GET', '/api/v2/alice/feeds/status/data/last')).json.value).toBe('offline');
  });
});
