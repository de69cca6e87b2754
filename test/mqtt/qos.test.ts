// QoS (compat-notes §3.4, §3.5): PUBACK only after the point is committed; QoS 2 subscriptions granted 1;
// delivery QoS = min(publish QoS, subscription QoS).
import Database from 'better-sqlite3';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, vi } from 'vitest';
import { FrameGuard } from '../../src/mqtt/frames.js';
import { mqttTest as it } from './helpers.js';

// afterEach runs before the fixture closes `t`: no write while it closes goes through a spy whose
// database connection the test has already closed.
afterEach(() => {
  vi.restoreAllMocks();
});

describe('QoS', () => {
  it('[MQTT-4.3.2-2] sends the QoS 1 PUBACK only after the point is committed', async ({ t }) => {
    const pub = await t.connect(t.alice);
    // A second connection to the same file sees only committed rows.
    const reader = new Database(t.config.dbPath, { readonly: true });
    const seenAtPuback: string[][] = [];
    const isPuback = (b: Buffer) => (b[0]! & 0xf0) === 0x40;
    const note = () => seenAtPuback.push((reader.prepare('SELECT value FROM data').all() as Array<{ value: string }>).map((r) => r.value));
    const write = FrameGuard.prototype._write;
    const writev = FrameGuard.prototype._writev;
    vi.spyOn(FrameGuard.prototype, '_write').mockImplementation(function (this: FrameGuard, chunk, enc, cb) {
      if (isPuback(chunk)) note();
      return write.call(this, chunk, enc, cb);
    });
    vi.spyOn(FrameGuard.prototype, '_writev').mockImplementation(function (this: FrameGuard, chunks, cb) {
      if (chunks.some((c) => isPuback(c.chunk))) note();
      return writev.call(this, chunks, cb);
    });
    try {
      await pub.publishAsync('alice/f/acked', '1', { qos: 1 });
      expect(seenAtPuback.length).toBeGreaterThan(0);
      for (const seen of seenAtPuback) expect(seen).toContain('1');
    } finally {
      reader.close();
    }
  });

  it("writes packet ids without mqtt-packet's table of 65,536 number buffers (built on the first packet otherwise)", async ({ t }) => {
    const sub = await t.listen(t.alice, { 'alice/f/n': { qos: 1 } });
    const ids: number[] = [];
    sub.client.on('packetreceive', (p) => {
      if (p.cmd === 'publish' && p.topic === 'alice/f/n') ids.push(p.messageId!);
    });
    const pub = await t.connect(t.alice);
    for (const v of ['1', '2', '3']) await pub.publishAsync('alice/f/n', v, { qos: 1 });
    await sub.inbox.waitFor((m) => m.topic === 'alice/f/n' && m.payload === '3');
    expect(mqttPacket.writeToStream.cacheNumbers).toBe(false);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toBeGreaterThan(0);
  });

  it('a QoS 1 publish is readable over HTTP as soon as the PUBACK arrives', async ({ t }) => {
    const pub = await t.connect(t.alice);
    await pub.publishAsync('alice/f/acked', '17', { qos: 1 });
    const res = await t.req('GET', '/api/v2/alice/feeds/acked/data/last');
    expect(res.json.value).toBe('17');
  });

  it('[MQTT-3.8.4-6] a QoS 2 subscription is granted QoS 1', async ({ t }) => {
    const client = await t.connect(t.alice);
    const granted = await client.subscribeAsync({ 'alice/f/a': { qos: 2 }, 'alice/f/b': { qos: 1 }, 'alice/f/c': { qos: 0 } });
    expect(granted.map((g) => [g.topic, g.qos])).toEqual([
      ['alice/f/a', 1],
      ['alice/f/b', 1],
      ['alice/f/c', 0],
    ]);
  });

  it('[MQTT-3.3.5-1] delivers at min(publish QoS, subscription QoS)', async ({ t }) => {
    const pub = await t.connect(t.alice);
    const q1 = await t.listen(t.alice, { 'alice/f/q': { qos: 1 } });
    const q0 = await t.listen(t.alice, { 'alice/f/q': { qos: 0 } });
    await pub.publishAsync('alice/f/q', 'one', { qos: 1 });
    await pub.publishAsync('alice/f/q', 'zero', { qos: 0 });
    await t.barrier(pub, q1.inbox, q0.inbox);
    expect(q1.inbox.withoutBarrier().map((m) => [m.payload, m.qos])).toEqual([
      ['one', 1],
      ['zero', 0],
    ]);
    expect(q0.inbox.withoutBarrier().map((m) => [m.payload, m.qos])).toEqual([
      ['one', 0],
      ['zero', 0],
    ]);
  });

  it('points from HTTP are delivered at the subscription QoS', async ({ t }) => {
    const pub = await t.connect(t.alice);
    const q1 = await t.listen(t.alice, { 'alice/f/q': { qos: 1 } });
    await t.req('POST', '/api/v2/alice/feeds/q/data', { body: { value: 'http' } });
    await t.barrier(pub, q1.inbox);
    expect(q1.inbox.withoutBarrier().map((m) => [m.payload, m.qos])).toEqual([['http', 1]]);
  });

  it('a QoS 2 publish is accepted and stored once', async ({ t }) => {
    const pub = await t.connect(t.alice);
    await pub.publishAsync('alice/f/q2', 'x', { qos: 2 });
    const res = await t.req('GET', '/api/v2/alice/feeds/q2/data');
    expect(res.json.map((d: { value: string }) => d.value)).toEqual(['x']);
  });

  it('[MQTT-3.3.1-9] deliveries never carry the retain flag', async ({ t }) => {
    const pub = await t.connect(t.alice);
    const { inbox } = await t.listen(t.alice, ['alice/f/r']);
    await pub.publishAsync('alice/f/r', 'x', { qos: 1, retain: true });
    await t.barrier(pub, inbox);
    expect(inbox.on('alice/f/r').retain).toBe(false);
  });
});
