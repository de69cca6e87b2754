// Integration topics (compat-notes §3.2): a subscriber gets the current value at once and each change
// after, in the payloads the clients parse; an unknown id gets a message on `{user}/errors`, never silence.
// Time is a fake clock stepped by the test, with `core.integrations.tick()` run by hand.
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers.js';
import { Inbox, makeMqtt, type MqttTest } from './helpers.js';

let t: MqttTest;
afterEach(async () => t?.close());

async function create(service: string, body: object): Promise<number> {
  const res = await t.req('POST', `/api/v2/alice/integrations/${service}`, { body });
  expect(res.status).toBe(201);
  return res.json.id as number;
}

describe('randomizer topics', () => {
  it('sends the current value on subscribe and a new one when its interval turns, on both spellings', async () => {
    const clock = new FakeClock();
    t = await makeMqtt({ clock: clock.now });
    const id = await create('words', { name: 'w', interval: 10 });
    const topics = [`alice/integration/words/${id}`, `alice/integrations/words/${id}`];
    const { inbox } = await t.listen(t.alice, topics);
    const first = await Promise.all(topics.map((topic) => inbox.waitFor((m) => m.topic === topic)));
    const record = JSON.parse(first[0]!.payload);
    expect(record).toMatchObject({ id, name: 'w', generator: 'words' });
    expect(record.value).toMatch(/^[a-z]+$/);
    expect(JSON.parse(first[1]!.payload).value).toBe(record.value);
    // Same as the HTTP read of that moment.
    expect((await t.req('GET', `/api/v2/alice/integrations/words/${id}`)).json.value).toBe(record.value);

    // Find an interval whose word differs (two intervals can draw the same word).
    let next = record.value as string;
    while (next === record.value) {
      clock.advance(10_000);
      next = (await t.req('GET', `/api/v2/alice/integrations/words/${id}`)).json.value;
    }
    inbox.clear();
    await t.core.integrations.tick();
    for (const topic of topics) expect(JSON.parse((await inbox.waitFor((m) => m.topic === topic)).payload).value).toBe(next);

    // No change, no message: a second tick in the same interval sends nothing.
    inbox.clear();
    await t.core.integrations.tick();
    const client = await t.connect();
    await t.barrier(client, inbox);
    expect(inbox.withoutBarrier()).toEqual([]);
  });

  it("an unknown id, or another user's record, gets a message on {user}/errors instead of silence", async () => {
    t = await makeMqtt();
    const bobs = (await t.req('POST', '/api/v2/bob/integrations/words', { as: t.bob, body: {} })).json.id as number;
    const { inbox } = await t.listen(t.alice, ['alice/errors', 'alice/integration/words/424242', `alice/integration/words/${bobs}`]);
    const a = await inbox.waitFor((m) => m.topic === 'alice/errors' && m.payload.includes('424242'));
    expect(a.payload).toContain('alice/integration/words/424242');
    await inbox.waitFor((m) => m.topic === 'alice/errors' && m.payload.includes(`words/${bobs}`));
    expect(inbox.withoutBarrier().filter((m) => m.topic.includes('/integration/'))).toEqual([]);
  });

  it("refuses another user's integration topic (SUBACK 0x80)", async () => {
    t = await makeMqtt();
    const client = await t.connect(t.bob);
    // mqtt.js turns a 0x80 grant into a rejection.
    await expect(client.subscribeAsync('alice/integration/words/1')).rejects.toThrow(/Subscribe error/);
  });

  it('stops sending after UNSUBSCRIBE', async () => {
    const clock = new FakeClock();
    t = await makeMqtt({ clock: clock.now });
    const id = await create('words', { generator: 'number', min: 0, max: 1_000_000, interval: 1 });
    const topic = `alice/integration/words/${id}`;
    const { client, inbox } = await t.listen(t.alice, [topic]);
    await inbox.waitFor((m) => m.topic === topic);
    await client.unsubscribeAsync(topic);
    inbox.clear();
    clock.advance(5_000);
    await t.core.integrations.tick();
    await t.barrier(client, inbox);
    expect(inbox.withoutBarrier()).toEqual([]);
  });
});

describe('weather and air-quality topics', () => {
  it('sends each subscribed forecast type as the JSON object the clients parse', async () => {
    t = await makeMqtt();
    const w = await create('weather', { location: '40.7, -74.0', name: 'NYC' });
    const aq = await create('air_quality', { location: '40.7, -74.0', name: 'NYC' });
    const topics = [
      `alice/integration/weather/${w}/current`,
      `alice/integration/weather/${w}/forecast_days_2`,
      `alice/integration/air_quality/${aq}/forecast_tomorrow`,
    ];
    const { inbox } = await t.listen(t.alice, topics);
    const [current, days2, tomorrow] = await Promise.all(topics.map((topic) => inbox.waitFor((m) => m.topic === topic)));
    const http = (await t.req('GET', `/api/v2/alice/integrations/weather/${w}`)).json;
    expect(JSON.parse(current!.payload)).toEqual(http.current);
    expect(JSON.parse(current!.payload)).toMatchObject({ summary: expect.any(String), temperature: expect.any(Number) });
    expect(JSON.parse(days2!.payload)).toMatchObject({ temperatureHigh: expect.any(Number), temperatureLow: expect.any(Number) });
    expect(JSON.parse(tomorrow!.payload)).toMatchObject({ pm2_5: expect.any(Number), aqi: expect.any(Number) });
  });

  it('an unknown weather or air-quality id gets a message on {user}/errors', async () => {
    t = await makeMqtt();
    const { inbox } = await t.listen(t.alice, [
      'alice/errors',
      'alice/integration/weather/31337/current',
      'alice/integration/air_quality/31338/current',
    ]);
    await inbox.waitFor((m) => m.topic === 'alice/errors' && m.payload.includes('weather/31337'));
    await inbox.waitFor((m) => m.topic === 'alice/errors' && m.payload.includes('air_quality/31338'));
  });
});

describe('persistent sessions', () => {
  it('a returning clean-session-0 client gets the current value of its kept subscription, and changes after', async () => {
    const clock = new FakeClock();
    t = await makeMqtt({ clock: clock.now });
    const id = await create('words', { generator: 'number', min: 0, max: 1_000_000_000, interval: 10 });
    const topic = `alice/integration/words/${id}`;
    const first = await t.connect(t.alice, { clientId: 'kept-words', clean: false });
    await first.subscribeAsync({ [topic]: { qos: 1 } });
    await first.endAsync();

    // The inbox listens before CONNACK: the value may follow it in the same read.
    const back = mqtt.connect(`mqtt://127.0.0.1:${t.port}`, {
      clientId: 'kept-words',
      clean: false,
      reconnectPeriod: 0,
      username: 'alice',
      password: t.alice.key,
    });
    const inbox = new Inbox(back);
    await new Promise((resolve) => back.once('connect', resolve));
    const now = (await t.req('GET', `/api/v2/alice/integrations/words/${id}`)).json.value;
    expect(JSON.parse((await inbox.waitFor((m) => m.topic === topic)).payload).value).toBe(now);

    clock.advance(10_000);
    const next = (await t.req('GET', `/api/v2/alice/integrations/words/${id}`)).json.value;
    await t.core.integrations.tick();
    expect(JSON.parse((await inbox.waitFor((m) => m.topic === topic && JSON.parse(m.payload).value === next)).payload).value).toBe(next);
    await back.endAsync(true);
  });
});
