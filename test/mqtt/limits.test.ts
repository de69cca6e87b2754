// One rate budget for both doors, the throttle topic, and temporary bans (compat-notes §3.1, §3.8).
import { afterEach, describe, expect, it } from 'vitest';
import type { BanLimits } from '../../src/core/bans.js';
import { FakeClock } from '../helpers.js';
import { connectPacket, makeMqtt, rawConnect, type MqttTest } from './helpers.js';

let t: MqttTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const BANS: BanLimits = {
  enabled: true,
  connects: 20,
  subscribes: 100,
  refused: 10,
  throttled: 10,
  failedLogins: 10,
  failedLoginsPerAddress: 100,
};

async function setup(rateLimit: number, bans: Partial<BanLimits> = {}) {
  const clock = new FakeClock();
  t = await makeMqtt({ clock: clock.now, config: { rateLimit, bans: { ...BANS, ...bans } } });
  return { t, clock };
}

/** The CONNACK return code for a raw CONNECT. */
async function connack(port: number, username: string, password: string, clientId = ''): Promise<number> {
  const raw = await rawConnect(port);
  raw.socket.write(connectPacket({ clientId, clean: true, username, password }));
  const bytes = await raw.next(4);
  raw.socket.destroy();
  expect(bytes[0]).toBe(0x20);
  return bytes[3]!;
}

describe('one data budget for HTTP and MQTT', () => {
  it('HTTP writes use up what MQTT may publish; the refusal goes to {user}/throttle with the real wait', async () => {
    const { t, clock } = await setup(10);
    expect(
      (await t.req('POST', '/api/v2/alice/feeds/temp/data/batch', { body: { data: Array.from({ length: 9 }, (_, i) => ({ value: i })) } }))
        .status,
    ).toBe(200);
    const { client, inbox } = await t.listen(t.alice, ['alice/throttle', 'alice/f/temp']);
    await client.publishAsync('alice/f/temp', 'over', { qos: 1 });
    const notice = await inbox.waitFor((m) => m.topic === 'alice/throttle');
    expect(notice.payload).toBe('"alice data rate limit reached, 6 seconds until throttle released"');
    expect((await t.req('GET', '/api/v2/alice/feeds/temp/data')).json).toHaveLength(9);
    expect(inbox.messages.filter((m) => m.topic === 'alice/f/temp')).toEqual([]);
    clock.advance(6000);
    await client.publishAsync('alice/f/temp', 'again', { qos: 1 });
    await inbox.waitFor((m) => m.topic === 'alice/f/temp' && m.payload === 'again');
    // And MQTT publishes count against HTTP: the bucket is empty again.
    expect((await t.req('POST', '/api/v2/alice/feeds/temp/data', { body: { value: 1 } })).status).toBe(429);
    expect((await t.req('GET', '/api/v2/alice/throttle')).json).toMatchObject({ data_rate_limit: 10, active_data_rate: 11 });
  });
});

describe('bans', () => {
  it('publishing on past the data limit bans the user: connections closed, told on errors, CONNACK 7 until it ends', async () => {
    const { t, clock } = await setup(1);
    const watcher = await t.listen(t.alice, ['alice/errors']);
    const pub = await t.connect(t.alice);
    await pub.publishAsync('alice/f/x', '1', { qos: 1 }); // feed + point need 2 of 1: refused
    const closed = new Promise<void>((resolve) => pub.once('close', () => resolve()));
    for (let i = 0; i < 11; i++) pub.publish('alice/f/x', String(i), { qos: 0 });
    const ban = await watcher.inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(ban.payload).toBe('enforcement limit reached, your account is banned for 30 seconds');
    await closed;
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(7);
    expect((await t.req('GET', '/api/v2/alice/throttle')).json.mqtt_ban_error_message).toBe(ban.payload);
    // Other users are not affected.
    expect(await connack(t.port, 'bob', t.bob.key)).toBe(0);
    clock.advance(30_000);
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(0);
  });

  it('more than 10 refused publishes in a minute ban the user, and the next ban is longer', async () => {
    const { t, clock } = await setup(0);
    for (const expected of [30, 60]) {
      const watcher = await t.listen(t.alice, ['alice/errors']);
      const pub = await t.connect(t.alice);
      for (let i = 0; i < 11; i++) pub.publish('bob/f/x', 'nope', { qos: 0 });
      const m = await watcher.inbox.waitFor((x) => x.payload.startsWith('enforcement'));
      expect(m.payload).toBe(`enforcement limit reached, your account is banned for ${expected} seconds`);
      clock.advance(expected * 1000 + 60_000);
    }
  });

  it('the 21st connection attempt in a minute gets CONNACK 6, and so do the next ones during the ban', async () => {
    const { t, clock } = await setup(0);
    for (let i = 0; i < 20; i++) expect(await connack(t.port, 'alice', t.alice.key, `c${i}`)).toBe(0);
    expect(await connack(t.port, 'alice', t.alice.key, 'c20')).toBe(6);
    expect(await connack(t.port, 'alice', t.alice.key, 'c21')).toBe(6);
    clock.advance(30_000);
    // The ban is over, but attempts keep counting: still over 20 in the last minute.
    expect(await connack(t.port, 'alice', t.alice.key, 'c22')).toBe(6);
    clock.advance(60_000);
    expect(await connack(t.port, 'alice', t.alice.key, 'c23')).toBe(0);
    expect((await t.req('GET', '/api/v2/alice/throttle')).json.hourly_ban_rate).toBe(2);
  });

  it('failed logins are throttled per address and username: after 10, even the right key gets CONNACK 6 for a minute', async () => {
    const { t, clock } = await setup(0);
    for (let i = 0; i < 10; i++) expect(await connack(t.port, 'alice', 'guess')).toBe(5);
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(6);
    clock.advance(60_000);
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(0);
  });

  it("one account's failed logins do not lock out another account behind the same address", async () => {
    const { t } = await setup(0);
    for (let i = 0; i < 10; i++) expect(await connack(t.port, 'alice', 'old-key')).toBe(5);
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(6);
    expect(await connack(t.port, 'bob', t.bob.key)).toBe(0);
  });

  it('AIO_MQTT_MAX_FAILED_LOGINS_PER_ADDRESS: past the address-wide ceiling every login from it gets CONNACK 6, for a minute', async () => {
    const { t, clock } = await setup(0, { failedLoginsPerAddress: 15 });
    // 15 failures over five names, none of them at its own limit of 10
    for (let i = 0; i < 15; i++) expect(await connack(t.port, `guess${i % 5}`, 'nope')).toBe(5);
    expect(await connack(t.port, 'bob', t.bob.key)).toBe(6);
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(6);
    clock.advance(60_000);
    expect(await connack(t.port, 'bob', t.bob.key)).toBe(0);
  });

  it('AIO_MQTT_BANS=0 switches bans off', async () => {
    const { t } = await setup(0, { enabled: false });
    for (let i = 0; i < 25; i++) expect(await connack(t.port, 'alice', t.alice.key, `c${i}`)).toBe(0);
    for (let i = 0; i < 12; i++) expect(await connack(t.port, 'alice', 'guess')).toBe(5);
    expect(await connack(t.port, 'alice', t.alice.key)).toBe(0);
  });
});
