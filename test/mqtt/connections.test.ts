// Sockets that connect and say nothing: closed after the connect timeout, capped per address before
// CONNECT, and all MQTT connections capped overall, so a flood cannot starve other clients.
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { connectPacket, makeMqtt, rawConnect, type MqttTest } from './helpers.js';

let t: MqttTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(config: Partial<Config>): Promise<MqttTest> {
  t = await makeMqtt({ config });
  return t;
}

/** Resolves when `closed` does; rejects after `ms`. */
function within(closed: Promise<void>, ms: number): Promise<void> {
  return Promise.race([
    closed,
    new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms).unref()),
  ]);
}

/** Logs in as alice over a raw socket (from `localAddress`) and resolves with the CONNACK return code. */
async function login(t: MqttTest, clientId: string, localAddress?: string): Promise<number> {
  const raw = await rawConnect(t.port, localAddress);
  raw.socket.write(connectPacket({ clientId, clean: true, username: 'alice', password: t.alice.key }));
  const bytes = await Promise.race([raw.next(4), raw.closed.then(() => Promise.reject(new Error('closed without a CONNACK')))]);
  raw.socket.destroy();
  return bytes[3]!;
}

describe('connections that never send CONNECT', () => {
  it('are closed after the connect timeout (set on Aedes, through the FrameGuard), and free their slot', async () => {
    const t = await setup({ mqttConnectTimeoutMs: 150, mqttMaxPendingPerAddress: 1 });
    const started = Date.now();
    const silent = await rawConnect(t.port);
    await within(silent.closed, 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    // Half a CONNECT is no better.
    const half = await rawConnect(t.port);
    half.socket.write(connectPacket({ clientId: 'half', clean: true, username: 'alice', password: t.alice.key }).subarray(0, 10));
    await within(half.closed, 3000);
    // The address's one pre-CONNECT slot was given back each time.
    expect(await login(t, 'after')).toBe(0);
  });

  it('are capped per address: one more is closed on arrival; other addresses and connected clients go on', async () => {
    const t = await setup({ mqttConnectTimeoutMs: 60_000, mqttMaxPendingPerAddress: 3 });
    const connected = await t.connect(t.alice);
    const silent = await Promise.all([rawConnect(t.port), rawConnect(t.port), rawConnect(t.port)]);
    // Connections are accepted in order: once this later one is answered, the three above are held.
    expect(await login(t, 'elsewhere', '127.0.0.2')).toBe(0);
    const fourth = await rawConnect(t.port);
    await within(fourth.closed, 2000);
    expect(silent.some((s) => s.socket.destroyed)).toBe(false);
    // A held socket that sends CONNECT is no longer pending: its slot goes to the next one.
    silent[0]!.socket.write(connectPacket({ clientId: 'late', clean: true, username: 'alice', password: t.alice.key }));
    expect([...(await silent[0]!.next(4))]).toEqual([0x20, 2, 0, 0]);
    expect(await login(t, 'next')).toBe(0);
    await t.barrier(connected);
    for (const s of silent) s.socket.destroy();
  });

  it('AIO_MQTT_MAX_PENDING_PER_ADDRESS=0 takes the cap away', async () => {
    const t = await setup({ mqttConnectTimeoutMs: 60_000, mqttMaxPendingPerAddress: 0 });
    const silent = await Promise.all(Array.from({ length: 5 }, () => rawConnect(t.port)));
    expect(await login(t, 'sixth')).toBe(0);
    expect(silent.some((s) => s.socket.destroyed)).toBe(false);
    for (const s of silent) s.socket.destroy();
  });
});

describe('AIO_MQTT_MAX_CONNECTIONS', () => {
  it('closes connections past the cap on arrival; a freed place can be taken again', async () => {
    const t = await setup({ mqttMaxConnections: 2 });
    const first = await t.connect(t.alice);
    await t.connect(t.bob);
    const third = await rawConnect(t.port);
    await within(third.closed, 2000);
    await first.endAsync();
    // The server notices the close a moment later: try again for a bounded time.
    const deadline = Date.now() + 3000;
    let code = -1;
    while (code !== 0 && Date.now() < deadline) code = await login(t, 'again').catch(() => -1);
    expect(code).toBe(0);
  });
});
