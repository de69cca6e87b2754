// Each MQTT fault observed by a real client: mqtt.js where it shows the fault, a raw socket where
// the test must know exactly which bytes went (a resend with DUP, a stalled keepalive).

import { join } from 'node:path';
import { connect as netConnect, Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Server, startServer } from '../../src/server.js';
import { tempDir, testConfig } from '../helpers.js';
import { Inbox } from '../mqtt/helpers.js';
import { startControlled, type Controlled } from './helpers.js';

const ALICE = { username: 'alice', password: 'alice-key-0123456789' };

let t: Controlled;
const clients: MqttClient[] = [];
const sockets: Socket[] = [];

beforeEach(async () => {
  t = await startControlled();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
  for (const s of sockets.splice(0)) s.destroy();
  await t.close();
});

async function connect(opts: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${t.server.mqttPort}`, { reconnectPeriod: 0, connectTimeout: 5000, ...ALICE, ...opts });
  clients.push(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

async function fault(rule: Record<string, unknown>): Promise<string> {
  const res = await t.ctl('POST', '/_aio/faults', { door: 'mqtt', ...rule });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

async function waitJournal(user: string, match: Record<string, unknown>, count = 1) {
  const res = await t.ctl('POST', `/_aio/accounts/${user}/journal/wait`, { match, count, timeout_ms: 5000 });
  expect(res.json.matched).toBe(true);
  return res.json.entries as Array<Record<string, unknown>>;
}

async function points(feed: string): Promise<string[]> {
  const res = await t.api('GET', `/alice/feeds/${feed}/data`, ALICE.password);
  return res.status === 200 ? (res.json as Array<{ value: string }>).map((d) => d.value) : [];
}

/** A raw MQTT 3.1.1 client: what it sends is exactly what the test wrote. */
function rawClient(): Promise<{ sock: Socket; received: Buffer[]; closed: Promise<void>; next(): Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const sock = netConnect(t.server.mqttPort, '127.0.0.1');
    sockets.push(sock);
    const received: Buffer[] = [];
    let wake: (() => void) | undefined;
    sock.on('data', (b) => {
      received.push(b);
      wake?.();
    });
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.once('error', reject);
    sock.once('connect', () =>
      resolve({
        sock,
        received,
        closed,
        next: () =>
          received.length > 0
            ? Promise.resolve(received.shift()!)
            : new Promise<Buffer>((r) => {
                wake = () => {
                  wake = undefined;
                  r(received.shift()!);
                };
              }),
      }),
    );
  });
}

function str(s: string): Buffer {
  const b = Buffer.from(s);
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

function connectPacket(keepalive: number): Buffer {
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, 0xc2, keepalive >> 8, keepalive & 0xff]),
    str('raw-1'),
    str(ALICE.username),
    str(ALICE.password),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

function publishQos1(topic: string, payload: string, id: number, dup: boolean): Buffer {
  const body = Buffer.concat([str(topic), Buffer.from([id >> 8, id & 0xff]), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([dup ? 0x3a : 0x32, body.length]), body]);
}

describe('MQTT faults', () => {
  it('refuse: mqtt.js sees CONNACK 3, then connects once the rule is spent', async () => {
    const id = await fault({ account: 'alice', match: { packet: 'connect' }, action: { type: 'refuse', return_code: 3 }, times: 1 });
    await expect(connect()).rejects.toMatchObject({ code: 3 });
    const client = await connect();
    expect(client.connected).toBe(true);
    expect((await t.ctl('GET', `/_aio/faults/${id}`)).json).toMatchObject({ hits: 1, spent: true });
    const [connack] = await waitJournal('alice', { packet: 'connack', fault: id });
    expect(connack).toMatchObject({ dir: 'out', return_code: 3 });
  });

  it('refuse applies to unknown logins under a rule for any account, journaled under the name they gave', async () => {
    const id = await fault({ account: null, match: {}, action: { type: 'refuse', return_code: 5 } });
    await expect(connect({ username: 'ghost', password: 'nope' })).rejects.toMatchObject({ code: 5 });
    const [entry] = await waitJournal('ghost', { packet: 'connect' });
    expect(entry).toMatchObject({ dir: 'in', username: 'ghost', fault: id });
    expect(JSON.stringify(entry)).not.toContain('nope');
  });

  it('omit_ack: no PUBACK, the device resends with DUP and gets one; the point is stored once', async () => {
    const id = await fault({
      account: 'alice',
      match: { packet: 'publish', dir: 'in', topic: 'alice/f/temp' },
      action: { type: 'omit_ack' },
      times: 1,
    });
    const raw = await rawClient();
    raw.sock.write(connectPacket(60));
    expect([...(await raw.next())]).toEqual([0x20, 2, 0, 0]);
    raw.sock.write(publishQos1('alice/f/temp', '21.5', 7, false));
    await waitJournal('alice', { packet: 'puback', fault: id });
    // The rule hit the PUBLISH and swallowed its PUBACK: nothing came back.
    raw.sock.write(publishQos1('alice/f/temp', '21.5', 7, true));
    expect([...(await raw.next())]).toEqual([0x40, 2, 0, 7]);
    const pubs = await waitJournal('alice', { packet: 'publish', dir: 'in' }, 2);
    expect(pubs.map((p) => [p.message_id, p.dup, p.fault])).toEqual([
      [7, false, id],
      [7, true, null],
    ]);
    // The swallowed PUBACK was never sent, so the resend of the same packet is answered, not stored again.
    expect(await points('temp')).toEqual(['21.5']);
  });

  it('omit_ack on PUBACK: an mqtt.js client gets no answer until it reconnects and resends', async () => {
    const id = await fault({ account: 'alice', match: { packet: 'puback' }, action: { type: 'omit_ack' }, times: 1 });
    const client = await connect();
    let acked = false;
    const published = client.publishAsync('alice/f/hum', '40', { qos: 1 }).then(() => {
      acked = true;
    });
    await waitJournal('alice', { packet: 'puback', fault: id });
    expect(acked).toBe(false);
    client.stream.destroy();
    await new Promise<void>((r) => client.once('close', () => r()));
    // mqtt.js keeps the unacknowledged PUBLISH in its outgoing store and sends it again on reconnect.
    client.reconnect({ outgoingStore: client.outgoingStore, incomingStore: client.incomingStore });
    await published;
    const pubs = await waitJournal('alice', { packet: 'publish', dir: 'in', topic: 'alice/f/hum' }, 2);
    expect(pubs[0]!.message_id).toBe(pubs[1]!.message_id);
  });

  it('delay on PUBACK: the PUBACK comes later, after the point was stored', async () => {
    await fault({ account: 'alice', match: { packet: 'puback' }, action: { type: 'delay', ms: 150 } });
    const client = await connect();
    const started = performance.now();
    await client.publishAsync('alice/f/slow', '1', { qos: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(await points('slow')).toEqual(['1']);
  });

  it('drop: a delivery to a subscriber is not sent, the next one is', async () => {
    const id = await fault({
      account: 'alice',
      match: { packet: 'publish', dir: 'out', topic: 'alice/f/d' },
      action: { type: 'drop' },
      times: 1,
    });
    const sub = await connect({ clientId: 'sub' });
    const inbox = new Inbox(sub);
    await sub.subscribeAsync('alice/f/d');
    const pub = await connect({ clientId: 'pub' });
    await pub.publishAsync('alice/f/d', 'first', { qos: 1 });
    await pub.publishAsync('alice/f/d', 'second', { qos: 1 });
    // Deliveries to one client are in order: the second arriving means the first is gone, not late.
    await inbox.waitFor((m) => m.payload === 'second');
    expect(inbox.messages.map((m) => m.payload)).toEqual(['second']);
    const [dropped] = await waitJournal('alice', { packet: 'publish', dir: 'out', fault: id });
    expect(dropped).toMatchObject({ client_id: 'sub', payload: 'first' });
  });

  it('suback_failure: mqtt.js sees 128 for the matching filter and nothing is delivered on it', async () => {
    await fault({ account: 'alice', match: { topic: 'alice/f/secret' }, action: { type: 'suback_failure' } });
    const client = await connect();
    const inbox = new Inbox(client);
    // mqtt.js turns a SUBACK with a failure into an error that carries the packet.
    await expect(client.subscribeAsync(['alice/f/secret', 'alice/f/open'])).rejects.toMatchObject({ packet: { granted: [128, 0] } });
    await client.publishAsync('alice/f/secret', 's', { qos: 1 });
    await client.publishAsync('alice/f/open', 'o', { qos: 1 });
    await inbox.waitFor((m) => m.payload === 'o');
    expect(inbox.messages.map((m) => m.topic)).toEqual(['alice/f/open']);
  });

  it('suback_failure on every filter: the SUBACK is all 128', async () => {
    const id = await fault({ account: 'alice', match: {}, action: { type: 'suback_failure' } });
    const client = await connect();
    await expect(client.subscribeAsync(['alice/f/a', 'alice/f/b'])).rejects.toMatchObject({ packet: { granted: [128, 128] } });
    // Each filter is one match: two hits.
    expect((await t.ctl('DELETE', `/_aio/faults/${id}`)).json).toMatchObject({ id, hits: 2 });
    expect((await client.subscribeAsync('alice/f/a')).map((g) => g.qos)).toEqual([0]);
  });

  it('close after N packets: the third packet from the client closes the connection', async () => {
    const id = await fault({ account: 'alice', match: { dir: 'in' }, action: { type: 'close' }, after: 2, times: 1 });
    const client = await connect();
    await client.subscribeAsync('alice/f/x');
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish('alice/f/x', 'bye', { qos: 0 });
    await closed;
    const [entry] = await waitJournal('alice', { fault: id });
    expect(entry).toMatchObject({ packet: 'publish', dir: 'in' });
  });

  it('stall: the broker stops reading, so its keepalive closes the connection', async () => {
    const id = await fault({ account: 'alice', match: { packet: 'pingreq' }, action: { type: 'stall' } });
    const raw = await rawClient();
    raw.sock.write(connectPacket(1));
    expect([...(await raw.next())]).toEqual([0x20, 2, 0, 0]);
    raw.sock.write(Buffer.from([0xc0, 0]));
    // No PINGRESP ever comes; the broker's own keepalive (1.5 x 1 s) ends the connection.
    await raw.closed;
    expect(raw.received).toEqual([]);
    await waitJournal('alice', { packet: 'pingreq', fault: id });
  });
});

describe('control plane off', () => {
  /** The stream FrameGuard reads for the client with this id. */
  function innerOf(server: Server, id: string): unknown {
    const clients = (server.mqtt.aedes as unknown as { clients: Record<string, { conn: { inner: unknown } }> }).clients;
    return clients[id]!.conn.inner;
  }

  it('a connection is the bare socket: no control hook on its way', async () => {
    const tmp = tempDir();
    const server = await startServer(testConfig({ username: 'alice', key: ALICE.password }, join(tmp.dir, 'aio.sqlite')), {
      log: () => {},
    });
    try {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, { ...ALICE, clientId: 'plain', reconnectPeriod: 0 });
      expect(innerOf(server, 'plain')).toBeInstanceOf(Socket);
      await client.endAsync();
      // With it on, the same connection is under control.
      const on = await connect({ clientId: 'watched' });
      expect(on.connected).toBe(true);
      expect(innerOf(t.server, 'watched')).not.toBeInstanceOf(Socket);
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });
});
