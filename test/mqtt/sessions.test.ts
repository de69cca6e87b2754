// Persistent sessions (clean session 0): subscriptions and QoS 1 messages kept while the client is
// away, across a restart, bounded, expiring, and never handed to another user.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Config } from '../../src/config.js';
import type { MqttBroker } from '../../src/mqtt/broker.js';
import { startServer, type Server } from '../../src/server.js';
import { FakeClock, tempDir, testConfig, type TestAccount } from '../helpers.js';
import { BARRIER_FEED, Inbox, connectPacket, makeMqtt, packet, rawConnect, type MqttTest } from './helpers.js';

let t: MqttTest | undefined;
const clients: MqttClient[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
  await t?.close();
  t = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: { clock?: FakeClock; config?: Partial<Config> } = {}): Promise<MqttTest> {
  t = await makeMqtt({ clock: opts.clock?.now, config: opts.config });
  return t;
}

interface Connected {
  client: MqttClient;
  inbox: Inbox;
  /** CONNACK's session present flag. */
  present: boolean;
}

/** Connects with a given client id and clean flag; the inbox listens before CONNACK, so a replay is seen whole. */
async function connect(
  port: number,
  as: TestAccount | { name: string; key: string } | null,
  clientId: string,
  clean: boolean,
  o: IClientOptions = {},
): Promise<Connected> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
    clientId,
    clean,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...(as ? { username: as.name, password: as.key } : {}),
    ...o,
  });
  clients.push(client);
  const inbox = new Inbox(client);
  const present = await new Promise<boolean>((resolve, reject) => {
    client.once('connect', (connack) => resolve(connack.sessionPresent));
    client.once('error', reject);
  });
  return { client, inbox, present };
}

/** Whether Aedes still counts the client id as connected (its typings leave `clients` out). */
function connectedIds(broker: MqttBroker): Record<string, unknown> {
  return (broker.aedes as unknown as { clients: Record<string, unknown> }).clients;
}

/** Ends the connection and waits until the broker has taken the session offline. */
async function leave(c: Connected, broker: MqttBroker): Promise<void> {
  const id = c.client.options.clientId!;
  await c.client.endAsync();
  await vi.waitFor(() => expect(connectedIds(broker)[id]).toBeUndefined());
}

/** Values of the messages on `topic`, in arrival order. */
function values(inbox: Inbox, topic: string): string[] {
  return inbox
    .withoutBarrier()
    .filter((m) => m.topic === topic)
    .map((m) => m.payload);
}

async function post(s: MqttTest, feed: string, value: string, as?: TestAccount): Promise<void> {
  const res = await s.req('POST', `/api/v2/${(as ?? s.alice).name}/feeds/${feed}/data`, { as, body: { value } });
  expect(res.status).toBe(200);
}

const barrierSub = (user: string) => ({ [`${user}/f/${BARRIER_FEED}`]: { qos: 1 as const } });

describe('persistent sessions', () => {
  it('passes Paho test_offline_message_queueing: QoS 1 and 2 published while away arrive on return', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'paho-offline', false);
    const granted = await a.client.subscribeAsync({ 'alice/f/+': { qos: 2 } });
    expect(granted[0]!.qos).toBe(1);
    await leave(a, s.broker);

    const b = await s.connect(s.alice, { clientId: 'paho-publisher' });
    await b.publishAsync('alice/f/qos0', 'qos 0', { qos: 0 });
    await b.publishAsync('alice/f/qos1', 'qos 1', { qos: 1 });
    await b.publishAsync('alice/f/qos2', 'qos 2', { qos: 2 });

    const back = await connect(s.port, s.alice, 'paho-offline', false);
    expect(back.present).toBe(true);
    await s.barrier(b, back.inbox);
    const got = back.inbox.withoutBarrier().map((m) => m.payload);
    // Paho accepts 2 or 3 messages; QoS 0 is not kept here, so exactly the QoS 1 and 2 ones, delivered at QoS 1.
    expect(got).toEqual(['qos 1', 'qos 2']);
    expect(back.inbox.withoutBarrier().map((m) => m.qos)).toEqual([1, 1]);
  });

  it('queues QoS 1 messages in order while the client is away, from HTTP and MQTT alike', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'keeper', false);
    await a.client.subscribeAsync({ 'alice/f/seq': { qos: 1 }, 'alice/g/room/csv': { qos: 1 }, ...barrierSub('alice') });
    await post(s, 'room.temp', 'warm-up'); // makes the group and its feed
    await s.barrier(a.client, a.inbox);
    await leave(a, s.broker);

    const pub = await s.connect(s.alice);
    for (let i = 1; i <= 20; i++) {
      if (i % 2) await post(s, 'seq', `v${i}`);
      else await pub.publishAsync('alice/f/seq', `v${i}`, { qos: 1 });
    }
    await pub.publishAsync('alice/g/room', JSON.stringify({ feeds: { temp: 'g1' } }), { qos: 1 });

    const back = await connect(s.port, s.alice, 'keeper', false);
    expect(back.present).toBe(true);
    await s.barrier(pub, back.inbox);
    expect(back.inbox.withoutBarrier().map((m) => `${m.topic} ${m.payload}`)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `alice/f/seq v${i + 1}`),
      'alice/g/room/csv temp,g1',
    ]);
    // The session goes on live after the replay, subscriptions restored without a SUBSCRIBE.
    await post(s, 'seq', 'live');
    await back.inbox.waitFor((m) => m.topic === 'alice/f/seq' && m.payload === 'live');
  });

  it('writes what arrives during the replay after the replayed queue, in order, once each', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'busy', false);
    await a.client.subscribeAsync({ 'alice/f/seq': { qos: 1 }, ...barrierSub('alice') });
    await leave(a, s.broker);
    const datum = (value: string) => ({ value, lat: null, lon: null, ele: null });
    for (let i = 1; i <= 300; i++) s.core.data.createOrAutoCreate(s.alice.user, 'seq', [datum(`q${i}`)]);
    await new Promise((r) => setImmediate(r)); // fan-out delivers at the end of the tick
    expect(s.core.sessions.queued('busy')).toHaveLength(300);

    // Points stored just before the hand-over and while the 300 are being replayed.
    const replaying = s.broker.keeper.replaying.bind(s.broker.keeper);
    vi.spyOn(s.broker.keeper, 'replaying').mockImplementation((session) => {
      if (session?.id !== 'busy') return replaying(session);
      s.core.data.createOrAutoCreate(s.alice.user, 'seq', [datum('at hand-over')]);
      replaying(session);
      setImmediate(() => s.core.data.createOrAutoCreate(s.alice.user, 'seq', [datum('during replay')]));
    });
    const back = await connect(s.port, s.alice, 'busy', false);
    await back.inbox.waitFor((m) => m.payload === 'during replay');
    const pub = await s.connect(s.alice);
    await s.barrier(pub, back.inbox);
    expect(values(back.inbox, 'alice/f/seq')).toEqual([
      ...Array.from({ length: 300 }, (_, i) => `q${i + 1}`),
      'at hand-over',
      'during replay',
    ]);
    await vi.waitFor(() => expect(s.core.sessions.queued('busy')).toEqual([]));
  });

  it('[MQTT-3.1.4-2] a takeover with clean session 0 keeps the session: nothing lost, nothing twice', async () => {
    const s = await setup();
    const first = await connect(s.port, s.alice, 'taken', false);
    await first.client.subscribeAsync({ 'alice/f/t': { qos: 1 }, ...barrierSub('alice') });
    const closed = new Promise<void>((r) => first.client.once('close', () => r()));
    const second = await connect(s.port, s.alice, 'taken', false);
    expect(second.present).toBe(true);
    await closed;
    await post(s, 't', 'after takeover');
    const pub = await s.connect(s.alice);
    await s.barrier(pub, second.inbox);
    expect(values(second.inbox, 'alice/f/t')).toEqual(['after takeover']);
    expect(s.broker.keeper.offlineCount()).toBe(0);
    await vi.waitFor(() => expect(s.core.sessions.queued('taken')).toEqual([]));
  });

  it('does not keep QoS 0: neither QoS 0 subscriptions nor QoS 0 publishes to QoS 1 ones', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'qos0', false);
    await a.client.subscribeAsync({ 'alice/f/zero': { qos: 0 }, 'alice/f/one': { qos: 1 }, ...barrierSub('alice') });
    await leave(a, s.broker);
    const pub = await s.connect(s.alice);
    await pub.publishAsync('alice/f/zero', 'z', { qos: 1 });
    await pub.publishAsync('alice/f/one', 'published at 0', { qos: 0 });
    await pub.publishAsync('alice/f/one', 'published at 1', { qos: 1 });
    const back = await connect(s.port, s.alice, 'qos0', false);
    await s.barrier(pub, back.inbox);
    expect(back.inbox.list()).toEqual(['alice/f/one published at 1']);
  });

  it('[MQTT-3.2.2-2] [MQTT-3.2.2-3] says session present only when a session is stored', async () => {
    const s = await setup();
    const first = await connect(s.port, s.alice, 'flag', false);
    expect(first.present).toBe(false);
    await first.client.subscribeAsync({ 'alice/f/x': { qos: 1 } });
    await leave(first, s.broker);
    const second = await connect(s.port, s.alice, 'flag', false);
    expect(second.present).toBe(true);
    await leave(second, s.broker);
    const clean = await connect(s.port, s.alice, 'flag', true);
    expect(clean.present).toBe(false);
    await leave(clean, s.broker);
    const after = await connect(s.port, s.alice, 'flag', false);
    expect(after.present).toBe(false);
  });

  it('stores only the filters granted, at the granted QoS', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'granted', false);
    await a.client.subscribeAsync({ 'alice/f/mine': { qos: 2 }, 'bob/f/theirs': { qos: 1 }, 'alice/f/zero': { qos: 0 } }).catch(() => {});
    expect(s.core.sessions.subscriptions('granted').map((x) => [x.topic, x.qos])).toEqual([
      ['alice/f/mine', 1],
      ['alice/f/zero', 0],
    ]);
  });

  it('[MQTT-3.1.2-6] a clean session with the same client id discards the stored one and its queue', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'discard', false);
    await a.client.subscribeAsync({ 'alice/f/d': { qos: 1 }, ...barrierSub('alice') });
    await leave(a, s.broker);
    await post(s, 'd', 'queued');
    expect(s.core.sessions.queued('discard').length).toBeGreaterThan(0);

    const clean = await connect(s.port, s.alice, 'discard', true);
    expect(s.core.sessions.queued('discard')).toEqual([]);
    expect(s.core.sessions.subscriptions('discard')).toEqual([]);
    const pub = await s.connect(s.alice);
    await post(s, 'd', 'while clean'); // nobody listens on alice/f/d now
    await clean.client.subscribeAsync(barrierSub('alice'));
    await s.barrier(pub, clean.inbox);
    expect(clean.inbox.list()).toEqual([]);
    await leave(clean, s.broker);

    await post(s, 'd', 'after clean');
    const again = await connect(s.port, s.alice, 'discard', false);
    expect(again.present).toBe(false);
    await again.client.subscribeAsync(barrierSub('alice'));
    await s.barrier(pub, again.inbox);
    expect(again.inbox.list()).toEqual([]);
  });

  it('keeps at most AIO_MQTT_QUEUE_MAX messages, the newest, and reports the dropped ones on {user}/errors', async () => {
    const s = await setup({ config: { mqttQueueMax: 3 } });
    const a = await connect(s.port, s.alice, 'bounded', false);
    await a.client.subscribeAsync({ 'alice/f/b': { qos: 1 }, 'alice/errors': { qos: 0 }, ...barrierSub('alice') });
    await leave(a, s.broker);
    for (let i = 1; i <= 5; i++) await post(s, 'b', `m${i}`);
    expect(s.core.sessions.queued('bounded').map((m) => m.payload!.toString())).toEqual(['m3', 'm4', 'm5']);

    const back = await connect(s.port, s.alice, 'bounded', false);
    const report = await back.inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(report.payload).toBe('bounded 127.0.0.1 2 queued messages dropped while offline (queue limit 3)');
    expect(values(back.inbox, 'alice/f/b')).toEqual(['m3', 'm4', 'm5']);
    // Reported once: the count starts again.
    await leave(back, s.broker);
    const again = await connect(s.port, s.alice, 'bounded', false);
    const pub = await s.connect(s.alice);
    await s.barrier(pub, again.inbox);
    expect(again.inbox.list()).toEqual([]);
  });

  it('expires a session unseen for AIO_MQTT_SESSION_EXPIRY seconds, checked on connect', async () => {
    const clock = new FakeClock();
    const s = await setup({ clock, config: { mqttSessionExpiry: 3600 } });
    const a = await connect(s.port, s.alice, 'expiring', false);
    await a.client.subscribeAsync({ 'alice/f/e': { qos: 1 }, ...barrierSub('alice') });
    await leave(a, s.broker);
    await post(s, 'e', 'kept');

    clock.advance(3599_000);
    const within = await connect(s.port, s.alice, 'expiring', false);
    expect(within.present).toBe(true);
    await within.inbox.waitFor((m) => m.payload === 'kept');
    // A connected session does not age: another client's connect sweeps, and it stays.
    clock.advance(7200_000);
    await s.connect(s.bob);
    expect(s.core.sessions.owner('expiring')).toBe(s.alice.user.id);
    // Its hour counts from the disconnect.
    await leave(within, s.broker);
    await post(s, 'e', 'kept again');
    clock.advance(1800_000);
    const again = await connect(s.port, s.alice, 'expiring', false);
    expect(again.present).toBe(true);
    await again.inbox.waitFor((m) => m.payload === 'kept again');
    await leave(again, s.broker);
    await post(s, 'e', 'lost');

    clock.advance(3601_000);
    const late = await connect(s.port, s.alice, 'expiring', false);
    expect(late.present).toBe(false);
    await late.client.subscribeAsync(barrierSub('alice'));
    const pub = await s.connect(s.alice);
    await s.barrier(pub, late.inbox);
    expect(late.inbox.list()).toEqual([]);
  });

  it('sweeps expired sessions periodically: their queue and offline subscriptions go', async () => {
    const clock = new FakeClock();
    const s = await setup({ clock, config: { mqttSessionExpiry: 60 } });
    const a = await connect(s.port, s.alice, 'swept', false);
    await a.client.subscribeAsync({ 'alice/f/s': { qos: 1 } });
    await leave(a, s.broker);
    expect(s.broker.keeper.offlineCount()).toBe(1);
    clock.advance(61_000);
    s.broker.keeper.sweep();
    expect(s.broker.keeper.offlineCount()).toBe(0);
    expect(s.core.sessions.owner('swept')).toBeUndefined();
    await post(s, 's', 'nobody');
    expect(s.core.sessions.queued('swept')).toEqual([]);
  });

  it('does not hand a session to another user with the same client id: it is wiped', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'shared-id', false);
    await a.client.subscribeAsync({ 'alice/f/secret': { qos: 1 }, ...barrierSub('alice') });
    await leave(a, s.broker);
    await post(s, 'secret', 'for alice only');

    const bob = await connect(s.port, s.bob, 'shared-id', false);
    expect(bob.present).toBe(false);
    expect(s.core.sessions.queued('shared-id')).toEqual([]);
    expect(s.core.sessions.subscriptions('shared-id')).toEqual([]);
    await bob.client.subscribeAsync(barrierSub('bob'));
    const bobPub = await s.connect(s.bob);
    await s.barrier(bobPub, bob.inbox);
    expect(bob.inbox.list()).toEqual([]);
    await leave(bob, s.broker);

    // Alice's session is gone for good, not lent.
    await post(s, 'secret', 'later');
    const back = await connect(s.port, s.alice, 'shared-id', false);
    expect(back.present).toBe(false);
    await back.client.subscribeAsync(barrierSub('alice'));
    const pub = await s.connect(s.alice);
    await s.barrier(pub, back.inbox);
    expect(back.inbox.list()).toEqual([]);
  });

  it('an anonymous client with the same client id does not inherit the session either', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'anon-id', false);
    await a.client.subscribeAsync({ 'alice/f/p': { qos: 1 } });
    await leave(a, s.broker);
    await post(s, 'p', 'private');
    const anon = await connect(s.port, null, 'anon-id', false);
    expect(anon.present).toBe(false);
    expect(s.core.sessions.owner('anon-id')).toBeUndefined();
    expect(anon.inbox.list()).toEqual([]);
  });

  it('checks restored subscriptions against the login the client returns with (a token limited to one feed)', async () => {
    const s = await setup();
    const a = await connect(s.port, s.alice, 'scoped', false);
    await a.client.subscribeAsync({
      'alice/f/open': { qos: 1 },
      'alice/f/closed': { qos: 1 },
      'alice/errors': { qos: 0 },
      ...barrierSub('alice'),
    });
    await leave(a, s.broker);
    await post(s, 'open', 'o1');
    await post(s, 'closed', 'c1');
    const made = await s.req('POST', '/api/v2/alice/tokens', { body: { feed_id: 'open' } });
    expect(made.status).toBe(200);

    const watcher = await s.listen(s.alice, ['alice/errors']);
    const back = await connect(s.port, { name: 'alice', key: made.json.key }, 'scoped', false);
    expect(back.present).toBe(true);
    const pub = await s.connect(s.alice);
    await post(s, 'open', 'o2');
    await back.inbox.waitFor((m) => m.payload === 'o2');
    await s.barrier(pub, watcher.inbox);
    expect(back.inbox.list()).toEqual(['alice/f/open o1', 'alice/f/open o2']);
    expect(watcher.inbox.list()).toContain(
      'alice/errors scoped 127.0.0.1 SUBSCRIBE alice/f/closed rejected, resource not available or not authorized',
    );
    expect(s.core.sessions.subscriptions('scoped').map((x) => x.topic)).not.toContain('alice/f/closed');
  });

  it('[MQTT-4.4.0-1] sends an unacknowledged message again on return, same packet id, DUP set', async () => {
    const s = await setup();
    const raw = await rawConnect(s.port);
    raw.socket.write(connectPacket({ clientId: 'unacked', clean: false, username: 'alice', password: s.alice.key }));
    expect([...(await raw.next(4))]).toEqual([0x20, 2, 0, 0]);
    const topic = Buffer.from('alice/f/u');
    const sub = Buffer.concat([Buffer.from([0, 1, 0, topic.length]), topic, Buffer.from([1])]);
    raw.socket.write(packet(0x82, sub));
    expect([...(await raw.next(5))]).toEqual([0x90, 3, 0, 1, 1]);
    await post(s, 'u', 'once');
    const first = await raw.next(2 + 2 + topic.length + 2 + 4);
    expect(first[0]).toBe(0x32); // PUBLISH QoS 1, DUP 0
    const messageId = first.readUInt16BE(4 + topic.length);
    expect(first.subarray(-4).toString()).toBe('once');
    raw.socket.destroy(); // no PUBACK
    await vi.waitFor(() => expect(connectedIds(s.broker).unacked).toBeUndefined());

    const again = await rawConnect(s.port);
    again.socket.write(connectPacket({ clientId: 'unacked', clean: false, username: 'alice', password: s.alice.key }));
    expect([...(await again.next(4))]).toEqual([0x20, 2, 1, 0]); // session present
    const resent = await again.next(first.length);
    expect(resent[0]).toBe(0x3a); // PUBLISH QoS 1, DUP 1
    expect(resent.readUInt16BE(4 + topic.length)).toBe(messageId);
    expect(resent.subarray(-4).toString()).toBe('once');
    again.socket.write(Buffer.from([0x40, 2, messageId >> 8, messageId & 0xff]));
    await vi.waitFor(() => expect(s.core.sessions.queued('unacked')).toEqual([]));
    again.socket.destroy();
  });

  it('keeps subscriptions and queues across a restart on the same database file', async () => {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    const config = testConfig({ username: 'alice', key: 'alice-key-0123456789' }, join(tmp.dir, 'aio.sqlite'));
    const alice = { name: 'alice', key: 'alice-key-0123456789' };
    const postTo = async (server: Server, value: string) => {
      const res = await fetch(`${server.httpUrl}/api/v2/alice/feeds/r/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-aio-key': alice.key },
        body: JSON.stringify({ value }),
      });
      expect(res.status).toBe(200);
    };

    let server = await startServer(config, { log: () => {}, mqttTimers: null });
    let running: Server | undefined = server;
    cleanups.push(() => running?.close());
    const a = await connect(server.mqttPort, alice, 'survivor', false);
    await a.client.subscribeAsync({ 'alice/f/r': { qos: 1 }, 'alice/f/+/csv': { qos: 1 } });
    await leave(a, server.mqtt);
    await postTo(server, 'before restart');
    await server.close();

    // The stored session is in the file, readable by anyone.
    const db = new Database(config.dbPath, { readonly: true });
    expect(db.prepare(`SELECT count(*) AS n FROM mqtt_session_queue`).get()).toEqual({ n: 2 });
    db.close();

    server = running = await startServer(config, { log: () => {}, mqttTimers: null });
    await postTo(server, 'after restart'); // queued by the new process, from subscriptions it read back
    const back = await connect(server.mqttPort, alice, 'survivor', false);
    expect(back.present).toBe(true);
    await back.inbox.waitFor((m) => m.topic === 'alice/f/r/csv' && m.payload === 'after restart,,,');
    expect(values(back.inbox, 'alice/f/r')).toEqual(['before restart', 'after restart']);
    expect(values(back.inbox, 'alice/f/r/csv')).toEqual(['before restart,,,', 'after restart,,,']);
    await postTo(server, 'live');
    await back.inbox.waitFor((m) => m.topic === 'alice/f/r' && m.payload === 'live');
  });
});
