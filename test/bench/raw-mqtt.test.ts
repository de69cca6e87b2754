// The benchmark's own tools that its figures rest on: the minimal MQTT client of the device processes
// (against the real broker) and the median-of-rounds ratio.
import { afterEach, describe, expect, it } from 'vitest';
import { judged } from '../../bench/lib/common.js';
import { RawMqtt } from '../../bench/lib/raw-mqtt.js';
import { makeMqtt, type MqttTest } from '../mqtt/helpers.js';

let t: MqttTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('RawMqtt', () => {
  it('connects, subscribes, publishes at QoS 1 (resolved on the PUBACK, after the commit) and receives', async () => {
    t = await makeMqtt();
    const { alice } = t;
    const sub = await RawMqtt.connect({ port: t.port, clientId: 'raw-sub', username: alice.name, password: alice.key });
    const got: Array<[string, string]> = [];
    const arrived = new Promise<void>((resolve) => {
      sub.onMessage = (topic, payload) => {
        got.push([topic, payload.toString()]);
        resolve();
      };
    });
    expect(await sub.subscribe([`${alice.name}/feeds/dev-1`], 0)).toEqual([0]);
    const pub = await RawMqtt.connect({
      port: t.port,
      clientId: 'raw-pub',
      username: alice.name,
      password: alice.key,
      localAddress: '127.0.0.2',
    });
    await pub.publish(`${alice.name}/feeds/dev-1`, '1764470000000.125', 1);
    // The PUBACK follows the commit: the point is stored when the publish resolves.
    const feed = t.core.feeds.find(alice.user, 'dev-1');
    expect(feed?.lastValue).toBe('1764470000000.125');
    await arrived;
    expect(got).toEqual([[`${alice.name}/feeds/dev-1`, '1764470000000.125']]);
    await pub.close();
    await sub.close();
    expect(sub.closed).toBe(true);
  });

  it('rejects a CONNACK that refuses the credentials, and a refused subscription shows as 128', async () => {
    t = await makeMqtt();
    const { alice, bob } = t;
    await expect(RawMqtt.connect({ port: t.port, clientId: 'raw-bad', username: alice.name, password: 'wrong' })).rejects.toThrow(
      /CONNACK return code [45]/,
    );
    const c = await RawMqtt.connect({ port: t.port, clientId: 'raw-other', username: alice.name, password: alice.key });
    expect(await c.subscribe([`${bob.name}/feeds/private`], 0)).toEqual([128]);
    await c.close();
  });
});

describe('judged', () => {
  it('is the median of our rounds over the median of the baseline, with the range of per-round ratios', () => {
    const j = judged([100, 300, 110], [200, 200, 100]);
    expect(j.ours).toBe(110);
    expect(j.base).toBe(200);
    expect(j.ratio).toBeCloseTo(0.55);
    expect(j.spread).toEqual([0.5, 1.5]);
  });
});
