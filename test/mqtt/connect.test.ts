import { describe, expect } from 'vitest';
import mqtt from 'mqtt';
import { connectPacket, mqttTest as it, packet, rawConnect } from './helpers.js';

function refusedCode(port: number, opts: mqtt.IClientOptions): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
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

describe('CONNECT', () => {
  it('accepts username = account and password = key with CONNACK 0', async ({ t }) => {
    const client = await t.connect(t.alice);
    expect(client.connected).toBe(true);
  });

  it('refuses a wrong key with CONNACK 5 (not authorized)', async ({ t }) => {
    expect(await refusedCode(t.port, { username: 'alice', password: 'wrong-key' })).toBe(5);
  });

  it('refuses a key used with another account name with CONNACK 5', async ({ t }) => {
    expect(await refusedCode(t.port, { username: 'bob', password: t.alice.key })).toBe(5);
  });

  it('matches the username case-sensitively (Alice is not alice)', async ({ t }) => {
    expect(await refusedCode(t.port, { username: 'Alice', password: t.alice.key })).toBe(5);
  });

  it('refuses an empty password for a named account with CONNACK 5', async ({ t }) => {
    expect(await refusedCode(t.port, { username: 'alice' })).toBe(5);
  });

  it('accepts anonymous sessions (no username)', async ({ t }) => {
    const client = await t.connect(null);
    expect(client.connected).toBe(true);
  });

  it('accepts MQTT 3.1 (protocol level 3, MQIsdp)', async ({ t }) => {
    const client = await t.connect(t.alice, { protocolVersion: 3, protocolId: 'MQIsdp' });
    expect(client.connected).toBe(true);
  });

  it('[MQTT-3.1.3-6] accepts an empty client id with clean session', async ({ t }) => {
    const raw = await rawConnect(t.port);
    raw.socket.write(connectPacket({ clientId: '', clean: true, username: 'alice', password: t.alice.key }));
    expect([...(await raw.next(4))]).toEqual([0x20, 0x02, 0x00, 0x00]);
    raw.socket.destroy();
  });

  it('[MQTT-3.1.3-8] answers an empty client id with clean session 0 with CONNACK 2 and closes', async ({ t }) => {
    const raw = await rawConnect(t.port);
    raw.socket.write(connectPacket({ clientId: '', clean: false, username: 'alice', password: t.alice.key }));
    expect([...(await raw.next(4))]).toEqual([0x20, 0x02, 0x00, 0x02]);
    await raw.closed;
  });

  it('[MQTT-3.2.2-5] closes the connection after a refusing CONNACK', async ({ t }) => {
    const raw = await rawConnect(t.port);
    raw.socket.write(connectPacket({ clientId: 'x', clean: true, username: 'alice', password: 'nope' }));
    expect([...(await raw.next(4))]).toEqual([0x20, 0x02, 0x00, 0x05]);
    await raw.closed;
  });

  it('[MQTT-3.1.4-2] a second connection with the same client id takes over the first', async ({ t }) => {
    const first = await t.connect(t.alice, { clientId: 'device-1' });
    const firstClosed = new Promise<void>((r) => first.once('close', () => r()));
    const second = await t.connect(t.alice, { clientId: 'device-1' });
    await firstClosed;
    expect(second.connected).toBe(true);
    // The new session works: it receives its own publish.
    await second.subscribeAsync('alice/f/takeover');
    const got = new Promise<string>((r) => second.once('message', (_t, p) => r(p.toString())));
    await second.publishAsync('alice/f/takeover', '1');
    expect(await got).toBe('1');
  });

  it('[MQTT-3.12.4-1] answers PINGREQ with PINGRESP', async ({ t }) => {
    const raw = await rawConnect(t.port);
    raw.socket.write(connectPacket({ clientId: 'pinger', clean: true, username: 'alice', password: t.alice.key }));
    await raw.next(4);
    raw.socket.write(packet(0xc0, Buffer.alloc(0)));
    expect([...(await raw.next(2))]).toEqual([0xd0, 0x00]);
    raw.socket.destroy();
  });
});
