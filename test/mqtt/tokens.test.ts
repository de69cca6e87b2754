// Scoped tokens over MQTT: username + token as the password, held to the token's flags (SUBSCRIBE
// needs readable, PUBLISH createable, /get readable), its feed and its lifetime. Deleting or changing
// a token closes the sessions that logged in with it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { TestAccount } from '../helpers.js';
import { FakeClock } from '../helpers.js';
import { Inbox, makeMqtt, suback, type MqttTest } from './helpers.js';

let t: MqttTest;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await makeMqtt({ clock: clock.now });
  await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'temp' } });
  await t.req('POST', '/api/v2/alice/feeds', { body: { name: 'other' } });
});
afterEach(async () => {
  await t.close();
});

async function makeToken(body: Record<string, unknown> = {}): Promise<{ id: number; account: TestAccount }> {
  const res = await t.req('POST', '/api/v2/alice/tokens', { body });
  expect(res.status).toBe(200);
  return { id: res.json.id, account: { ...t.alice, key: res.json.key } };
}

function refusedCode(opts: mqtt.IClientOptions): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${t.port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    client.once('connect', () => {
      client.end(true);
      reject(new Error('connection was accepted'));
    });
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      resolve(err.code);
    });
  });
}

const closed = (client: MqttClient) =>
  new Promise<void>((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));

async function values(feed: string): Promise<string[]> {
  return (await t.req('GET', `/api/v2/alice/feeds/${feed}/data`)).json.map((d: { value: string }) => d.value);
}

describe('token login', () => {
  it('a token logs in as its user and publishes and subscribes like the key', async () => {
    const { account } = await makeToken();
    const { client, inbox } = await t.listen(account, ['alice/f/temp']);
    await client.publishAsync('alice/f/temp', '21', { qos: 1 });
    expect((await inbox.waitFor((m) => m.topic === 'alice/f/temp')).payload).toBe('21');
    expect(await values('temp')).toEqual(['21']);
  });

  it('is refused with CONNACK 5 under another username, or once deleted, or once expired', async () => {
    const { account, id } = await makeToken({ expiration: '2026-01-15T13:00:00Z' });
    expect(await refusedCode({ username: 'bob', password: account.key })).toBe(5);
    clock.advance(3_600_000);
    expect(await refusedCode({ username: 'alice', password: account.key })).toBe(5);
    const other = await makeToken();
    await t.req('DELETE', `/api/v2/alice/tokens/${other.id}`);
    expect(await refusedCode({ username: 'alice', password: other.account.key })).toBe(5);
    expect(id).toBeGreaterThan(0);
  });
});

describe('a deleted or changed token is refused at once', () => {
  it('deleting the token closes its live sessions; key sessions stay', async () => {
    const { account, id } = await makeToken();
    const device = await t.connect(account);
    const keyed = await t.connect(t.alice);
    const gone = closed(device);
    const del = await t.req('DELETE', `/api/v2/alice/tokens/${id}`);
    expect(del.status).toBe(200);
    await gone;
    expect(device.connected).toBe(false);
    expect(keyed.connected).toBe(true);
    expect(await refusedCode({ username: 'alice', password: account.key })).toBe(5);
    expect((await t.req('GET', '/api/v2/alice/feeds', { key: account.key })).status).toBe(401);
  });

  it('changing its flags closes its sessions; it logs in again under the new ones', async () => {
    const { account, id } = await makeToken();
    const device = await t.connect(account);
    const gone = closed(device);
    await t.req('PATCH', `/api/v2/alice/tokens/${id}`, { body: { createable: false } });
    await gone;
    const again = await t.connect(account);
    const { inbox } = await t.listen(t.alice, ['alice/errors']);
    await again.publishAsync('alice/f/temp', '1', { qos: 1 });
    await inbox.waitFor((m) => m.topic === 'alice/errors' && /PUBLISH alice\/f\/temp rejected/.test(m.payload));
    expect(await values('temp')).toEqual([]);
  });

  it('deleting the feed of a feed-limited token closes its sessions', async () => {
    const { account } = await makeToken({ feed_id: 'temp' });
    const device = await t.connect(account);
    const gone = closed(device);
    await t.req('DELETE', '/api/v2/alice/feeds/temp');
    await gone;
    expect(await refusedCode({ username: 'alice', password: account.key })).toBe(5);
  });

  it('an unrelated change leaves token sessions alone', async () => {
    const { account } = await makeToken();
    const other = await makeToken();
    const device = await t.connect(account);
    await t.req('PATCH', `/api/v2/alice/tokens/${other.id}`, { body: { readable: false } });
    await t.req('DELETE', '/api/v2/alice/feeds/other');
    await device.publishAsync('alice/f/temp', '2', { qos: 1 });
    expect(device.connected).toBe(true);
    expect(await values('temp')).toEqual(['2']);
  });

  it('a session is closed when its token expires', async () => {
    const { account } = await makeToken({ expiration: new Date(clock.ms + 150).toISOString() });
    const device = await t.connect(account);
    const gone = closed(device);
    clock.advance(1000);
    await gone;
    expect(device.connected).toBe(false);
  });

  it('an expired token publishes nothing even before its session is closed', async () => {
    const { account } = await makeToken({ expiration: '2026-01-15T13:00:00Z' });
    const device = await t.connect(account);
    clock.advance(3_600_000);
    await device.publishAsync('alice/f/temp', '3', { qos: 1 }).catch(() => {});
    expect(await values('temp')).toEqual([]);
  });
});

describe('token scopes over MQTT', () => {
  it('readable only: SUBSCRIBE and /get yes, PUBLISH no (reported on alice/errors)', async () => {
    const { account } = await makeToken({ createable: false, updateable: false, deleteable: false });
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    const device = await t.connect(account);
    expect(await suback(device, ['alice/f/temp', 'alice/feeds/+', 'alice/errors'])).toEqual([0, 0, 0]);
    await device.publishAsync('alice/f/temp', '9', { qos: 1 });
    const err = await inbox.waitFor((m) => m.topic === 'alice/errors' && /PUBLISH alice\/f\/temp rejected/.test(m.payload));
    expect(err.payload).toMatch(/rejected, resource not available or not authorized$/);
    expect(await values('temp')).toEqual([]);
    // /get reads: the last value comes back.
    await client.publishAsync('alice/f/temp', '4', { qos: 1 });
    const reader = await t.listen(account, ['alice/f/temp']);
    reader.inbox.clear();
    await reader.client.publishAsync('alice/f/temp/get', '', { qos: 1 });
    expect((await reader.inbox.waitFor((m) => m.topic === 'alice/f/temp')).payload).toBe('4');
  });

  it('createable only: PUBLISH yes, SUBSCRIBE and /get no', async () => {
    const { account } = await makeToken({ readable: false, updateable: false, deleteable: false });
    const device = await t.connect(account);
    expect(await suback(device, ['alice/f/temp', 'time/seconds'])).toEqual([128, 0]);
    await device.publishAsync('alice/f/temp', '7', { qos: 1 });
    expect(await values('temp')).toEqual(['7']);
    const { inbox } = await t.listen(t.alice, ['alice/errors']);
    await device.publishAsync('alice/f/temp/get', '', { qos: 1 });
    await inbox.waitFor((m) => /PUBLISH alice\/f\/temp\/get rejected/.test(m.payload));
  });

  it('feed-limited: its own feed only; wildcards, other feeds, groups and errors refused', async () => {
    const feed = (await t.req('GET', '/api/v2/alice/feeds/temp')).json;
    const { account } = await makeToken({ feed_id: 'temp' });
    const device = await t.connect(account);
    expect(
      await suback(device, [
        'alice/f/temp',
        `alice/feeds/${feed.id}`,
        'alice/f/temp/json',
        'alice/f/other',
        'alice/f/+',
        'alice/#',
        'alice/g/default',
        'alice/errors',
        'alice/throttle',
        'time/seconds',
      ]),
    ).toEqual([0, 0, 0, 128, 128, 128, 128, 128, 0, 0]);
    await device.publishAsync('alice/f/temp', '1', { qos: 1 });
    await device.publishAsync('alice/f/other', '2', { qos: 1 });
    await device.publishAsync('alice/f/brand-new', '3', { qos: 1 });
    await device.publishAsync('alice/g/default', '{"feeds":{"temp":"4"}}', { qos: 1 });
    expect(await values('temp')).toEqual(['1']);
    expect(await values('other')).toEqual([]);
    expect((await t.req('GET', '/api/v2/alice/feeds/brand-new')).status).toBe(404);
  });

  it('points from other doors reach a feed-limited subscriber on its feed only', async () => {
    const { account } = await makeToken({ feed_id: 'temp' });
    // Not t.listen: that also subscribes to the barrier feed, which this token may not read.
    const client = await t.connect(account);
    const inbox = new Inbox(client);
    await client.subscribeAsync('alice/f/temp');
    // Delivery to one client is in order: had `no` been sent, it would be there before `yes`.
    await t.req('POST', '/api/v2/alice/feeds/other/data', { body: { value: 'no' } });
    await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 'yes' } });
    expect((await inbox.waitFor((m) => m.topic === 'alice/f/temp')).payload).toBe('yes');
    expect(inbox.list()).toEqual(['alice/f/temp yes']);
    expect(client.connected).toBe(true);
  });
});
