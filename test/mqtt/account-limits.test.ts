// Account limits over MQTT: a PUBLISH that would auto-create a feed or a group over the account's limit
// creates nothing and stores nothing; the refusal is reported on {user}/errors (compat-notes §3.4:
// "subject to name validation and feed limits; on failure an error is published on {u}/errors").
import { afterEach, describe, expect, it } from 'vitest';
import type { AccountLimits } from '../../src/config.js';
import { BARRIER_FEED, makeMqtt, type Inbox, type MqttTest } from './helpers.js';

let t: MqttTest;
afterEach(async () => {
  await t.close();
});

const BASE = '/api/v2/alice';

async function setup(accountLimits: Partial<AccountLimits>) {
  t = await makeMqtt({ config: { accountLimits: { feeds: 0, groups: 0, dashboards: 0, ...accountLimits } } });
  // The barrier feed the helpers publish on is made first, so that it is one of the account's feeds.
  expect((await t.req('POST', `${BASE}/feeds`, { body: { name: BARRIER_FEED } })).status).toBe(201);
}

const feedKeys = async (): Promise<string[]> => (await t.req('GET', `${BASE}/feeds`)).json.map((f: { key: string }) => f.key);

async function refusal(inbox: Inbox, topic: string) {
  return (await inbox.waitFor((m) => m.topic === 'alice/errors' && m.payload.includes(`PUBLISH ${topic} rejected`))).payload;
}

describe('AIO_MAX_FEEDS over MQTT', () => {
  it('the eleventh feed fails: nothing created, nothing stored or delivered, the refusal on {user}/errors', async () => {
    await setup({ feeds: 10 });
    const { client, inbox } = await t.listen(t.alice, ['alice/errors', 'alice/f/+']);
    // Feeds two to ten, made by publishing as firmware does.
    for (let i = 2; i <= 10; i++) await client.publishAsync(`alice/f/sensor-${i}`, String(i), { qos: 1 });
    expect(await feedKeys()).toHaveLength(10);
    await client.publishAsync('alice/f/sensor-11', '11', { qos: 1 });
    const text = await refusal(inbox, 'alice/f/sensor-11');
    expect(text).toMatch(
      new RegExp(
        `^${client.options.clientId} 127\\.0\\.0\\.1 PUBLISH alice/f/sensor-11 rejected, Validation failed: feed limit reached, this account may have at most 10 feeds$`,
      ),
    );
    await t.barrier(client, inbox);
    expect(inbox.withoutBarrier().filter((m) => m.topic === 'alice/f/sensor-11')).toEqual([]);
    expect(await feedKeys()).toHaveLength(10);
    expect((await t.req('GET', `${BASE}/feeds/sensor-11`)).status).toBe(404);
    // The session stays up and existing feeds still take data.
    expect(client.connected).toBe(true);
    await client.publishAsync('alice/f/sensor-2', '22', { qos: 1 });
    expect((await t.req('GET', `${BASE}/feeds/sensor-2/data`)).json.map((d: { value: string }) => d.value)).toEqual(['22', '2']);
  });

  it('a group publish naming a feed the group lacks is refused whole over the limit', async () => {
    await setup({ feeds: 2 });
    await t.req('POST', `${BASE}/groups`, { body: { name: 'garden' } });
    await t.req('POST', `${BASE}/groups/garden/feeds`, { body: { name: 'soil' } });
    const { client, inbox } = await t.listen(t.alice, ['alice/errors', 'alice/g/garden']);
    await client.publishAsync('alice/g/garden/csv', 'soil,40\nsun,900\n', { qos: 1 });
    expect(await refusal(inbox, 'alice/g/garden/csv')).toMatch(/rejected, Validation failed: feed limit reached/);
    await t.barrier(client, inbox);
    expect(inbox.withoutBarrier().filter((m) => m.topic === 'alice/g/garden')).toEqual([]);
    expect(await feedKeys()).toEqual([BARRIER_FEED, 'garden.soil']);
    expect((await t.req('GET', `${BASE}/feeds/garden.soil/data`)).json).toEqual([]);
  });
});

describe('AIO_MAX_GROUPS over MQTT', () => {
  it('a publish that would make a sixth group makes no group and no feed', async () => {
    await setup({ groups: 5 });
    for (let i = 1; i <= 5; i++) await t.req('POST', `${BASE}/groups`, { body: { name: `g${i}` } });
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('alice/groups/porch', '{"feeds":{"light":"on"}}', { qos: 1 });
    expect(await refusal(inbox, 'alice/groups/porch')).toMatch(
      /rejected, Validation failed: group limit reached, this account may have at most 5 groups besides the default group$/,
    );
    await client.publishAsync('alice/f/porch.light', 'on', { qos: 1 });
    expect(await refusal(inbox, 'alice/f/porch.light')).toMatch(/group limit reached/);
    expect((await t.req('GET', `${BASE}/groups`)).json.map((g: { key: string }) => g.key)).toEqual([
      'default',
      'g1',
      'g2',
      'g3',
      'g4',
      'g5',
    ]);
    expect(await feedKeys()).toEqual([BARRIER_FEED]);
  });
});

describe('per-account limits over MQTT', () => {
  it('a limit changed for the account applies to a session already connected', async () => {
    await setup({ feeds: 1 });
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    await client.publishAsync('alice/f/door', 'open', { qos: 1 });
    await refusal(inbox, 'alice/f/door');
    t.core.accounts.setLimits('alice', { feeds: 0 });
    await client.publishAsync('alice/f/window', 'shut', { qos: 1 });
    await t.barrier(client, inbox);
    expect(await feedKeys()).toEqual([BARRIER_FEED, 'window']);
  });
});
