// MQTT 3.1.1 protocol violations close the network connection, and nothing of the offending packet
// is acted on. Hand-made packets over raw TCP: the mqtt client library will not send these.
import { connect as netConnect, type Socket } from 'node:net';
import { describe, expect } from 'vitest';
import { connectPacket, mqttString, mqttTest as it, packet, type MqttTest } from './helpers.js';

interface Raw {
  socket: Socket;
  /** Everything received after the CONNACK. */
  received(): Buffer;
  /** Resolves once `n` bytes have arrived after the CONNACK. */
  next(n: number): Promise<Buffer>;
  /** Resolves when the server closes the connection; rejects if it stays open for 3 s. */
  closed(): Promise<void>;
}

/** A raw TCP connection logged in as alice (CONNACK 0 checked). */
function session(t: MqttTest, clientId: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(t.port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let onData = () => {};
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => {});
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      onData();
    });
    socket.once('connect', () => socket.write(connectPacket({ clientId, clean: true, username: 'alice', password: t.alice.key })));
    onData = () => {
      if (buf.length < 4) return;
      if (![...buf.subarray(0, 4)].every((b, i) => b === [0x20, 2, 0, 0][i]))
        return reject(new Error(`CONNACK ${[...buf.subarray(0, 4)]}`));
      buf = buf.subarray(4);
      onData = () => {};
      resolve({
        socket,
        received: () => buf,
        next: (n) =>
          new Promise((r) => {
            const check = () => {
              if (buf.length < n) return;
              onData = () => {};
              const out = buf.subarray(0, n);
              buf = buf.subarray(n);
              r(out);
            };
            onData = check;
            check();
          }),
        closed: () =>
          Promise.race([
            closed,
            new Promise<void>((_, rej) => setTimeout(() => rej(new Error('the connection stayed open')), 3000).unref()),
          ]),
      });
    };
  });
}

const pid = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const publish = (topic: string | Buffer, value: string, id?: number) =>
  packet(id === undefined ? 0x30 : 0x32, Buffer.concat([mqttString(topic), ...(id === undefined ? [] : [pid(id)]), Buffer.from(value)]));
const subscribe = (id: number, ...filters: Array<string | Buffer>) =>
  packet(0x82, Buffer.concat([pid(id), ...filters.flatMap((f) => [mqttString(f), Buffer.from([0])])]));
const unsubscribe = (id: number, ...filters: Array<string | Buffer>) =>
  packet(0xa2, Buffer.concat([pid(id), ...filters.map((f) => mqttString(f))]));

/** `alice/f/` followed by raw bytes. */
const topicBytes = (...bytes: number[]) => Buffer.concat([Buffer.from('alice/f/'), Buffer.from(bytes)]);

async function feedKeys(t: MqttTest): Promise<string[]> {
  return (await t.req('GET', '/api/v2/alice/feeds')).json.map((f: { key: string }) => f.key);
}

describe('well-formed packets (the baseline the refusals below are measured against)', () => {
  it('PINGREQ, UNSUBSCRIBE, SUBSCRIBE and a QoS 1 PUBLISH are answered and the connection stays up', async ({ t }) => {
    const raw = await session(t, 'fine');
    raw.socket.write(packet(0xc0, Buffer.alloc(0)));
    expect([...(await raw.next(2))]).toEqual([0xd0, 0]);
    raw.socket.write(subscribe(1, 'alice/f/x'));
    expect([...(await raw.next(5))]).toEqual([0x90, 3, 0, 1, 0]);
    raw.socket.write(unsubscribe(2, 'alice/f/x'));
    expect([...(await raw.next(4))]).toEqual([0xb0, 2, 0, 2]);
    raw.socket.write(publish('alice/f/fine', '1', 3));
    expect([...(await raw.next(4))]).toEqual([0x40, 2, 0, 3]);
    expect(raw.socket.destroyed).toBe(false);
    expect(await feedKeys(t)).toEqual(['fine']);
    raw.socket.destroy();
  });

  it('a PUBLISH sent one byte at a time is still read whole', async ({ t }) => {
    const raw = await session(t, 'trickle');
    for (const b of publish('alice/f/slow', 'é', 9)) raw.socket.write(Buffer.from([b]));
    expect([...(await raw.next(4))]).toEqual([0x40, 2, 0, 9]);
    expect((await t.req('GET', '/api/v2/alice/feeds/slow/data/last')).json.value).toBe('é');
    raw.socket.destroy();
  });
});

describe('protocol violations close the connection', () => {
  it('[MQTT-3.10.3-2] an UNSUBSCRIBE without topic filters', async ({ t }) => {
    const raw = await session(t, 'unsub');
    raw.socket.write(unsubscribe(5));
    await raw.closed();
    expect(raw.received()).toHaveLength(0); // no UNSUBACK
  });

  // Aedes would close this one too, by accident: writing an empty SUBACK fails. It is checked before that.
  it('[MQTT-3.8.3-3] a SUBSCRIBE without topic filters', async ({ t }) => {
    const raw = await session(t, 'sub');
    raw.socket.write(subscribe(5));
    await raw.closed();
    expect(raw.received()).toHaveLength(0); // no SUBACK
  });

  it('[MQTT-3.12.1] a PINGREQ with a payload (remaining length 1)', async ({ t }) => {
    const raw = await session(t, 'ping');
    raw.socket.write(packet(0xc0, Buffer.from([0])));
    await raw.closed();
    expect(raw.received()).toHaveLength(0); // no PINGRESP
  });

  it('[MQTT-2.3.1-1] a QoS 1 PUBLISH with packet identifier 0: not stored, not acknowledged, reported', async ({ t }) => {
    const watcher = await t.listen(t.alice, ['alice/errors']);
    const raw = await session(t, 'pid0');
    raw.socket.write(publish('alice/f/pid0', '1', 0));
    await raw.closed();
    expect(raw.received()).toHaveLength(0); // no PUBACK
    expect(await feedKeys(t)).toEqual([]);
    const report = await watcher.inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(report.payload).toBe('pid0 127.0.0.1 packet rejected, PUBLISH with QoS > 0 and packet identifier 0; disconnecting');
  });

  it('[MQTT-2.3.1-1] a SUBSCRIBE or UNSUBSCRIBE with packet identifier 0', async ({ t }) => {
    for (const bad of [subscribe(0, 'alice/f/x'), unsubscribe(0, 'alice/f/x')]) {
      const raw = await session(t, 'pid0');
      raw.socket.write(bad);
      await raw.closed();
      expect(raw.received()).toHaveLength(0);
    }
  });

  it('[MQTT-1.5.3-1] a topic name that is not valid UTF-8 (a stray byte, a surrogate, an overlong form): nothing stored', async ({ t }) => {
    for (const bytes of [
      [0x74, 0xff],
      [0x74, 0xed, 0xa0, 0x80],
      [0x74, 0xc0, 0xaf],
    ]) {
      const raw = await session(t, 'utf8');
      raw.socket.write(publish(topicBytes(...bytes), '1', 1));
      await raw.closed();
      expect(raw.received()).toHaveLength(0);
    }
    // also at QoS 0, which has no acknowledgement to hold back
    const raw = await session(t, 'utf8-qos0');
    raw.socket.write(publish(topicBytes(0x74, 0xff), '1'));
    await raw.closed();
    expect(await feedKeys(t)).toEqual([]);
  });

  it('[MQTT-1.5.3-2] a topic name containing U+0000: nothing stored', async ({ t }) => {
    const raw = await session(t, 'nul');
    raw.socket.write(publish(topicBytes(0x61, 0x00, 0x62), '1', 1));
    await raw.closed();
    expect(raw.received()).toHaveLength(0);
    expect(await feedKeys(t)).toEqual([]);
  });

  it('[MQTT-1.5.3-1] [MQTT-1.5.3-2] topic filters that are not valid UTF-8 or contain U+0000, in SUBSCRIBE and UNSUBSCRIBE', async ({
    t,
  }) => {
    const bad = [topicBytes(0xff), topicBytes(0x61, 0x00)];
    for (const filter of bad) {
      for (const p of [subscribe(7, 'alice/f/ok', filter), unsubscribe(7, filter)]) {
        const raw = await session(t, 'filters');
        raw.socket.write(p);
        await raw.closed();
        expect(raw.received()).toHaveLength(0); // no SUBACK / UNSUBACK
      }
    }
  });

  it('a bad topic sent one byte at a time is caught too', async ({ t }) => {
    const raw = await session(t, 'trickle-bad');
    for (const b of publish(topicBytes(0x61, 0x00), '1', 2)) raw.socket.write(Buffer.from([b]));
    await raw.closed();
    expect(raw.received()).toHaveLength(0);
    expect(await feedKeys(t)).toEqual([]);
  });

  it('[MQTT-3.3.2-2] a PUBLISH topic name with wildcards (refused by Aedes itself): nothing stored', async ({ t }) => {
    for (const topic of ['alice/f/+', 'alice/f/#', 'alice/+/x']) {
      const raw = await session(t, 'wild');
      raw.socket.write(publish(topic, '1', 1));
      await raw.closed();
      expect(raw.received()).toHaveLength(0);
    }
    expect(await feedKeys(t)).toEqual([]);
    expect((await t.req('GET', '/api/v2/alice/groups')).json.map((g: { key: string }) => g.key)).toEqual(['default']);
  });
});

describe('payloads that are not text', () => {
  it('a group publish whose payload is not valid UTF-8 is not stored and is reported; the connection stays up', async ({ t }) => {
    const { client, inbox } = await t.listen(t.alice, ['alice/errors']);
    const payload = Buffer.concat([Buffer.from('{"feeds":{"a":"'), Buffer.from([0xff]), Buffer.from('"}}')]);
    await client.publishAsync('alice/g/things', payload, { qos: 1 });
    const report = await inbox.waitFor((m) => m.topic === 'alice/errors');
    expect(report.payload).toMatch(/PUBLISH alice\/g\/things rejected, payload is not valid UTF-8$/);
    expect((await t.req('GET', '/api/v2/alice/groups/things')).status).toBe(404);
    expect(await feedKeys(t)).toEqual([]);
    expect(client.connected).toBe(true);
  });
});
