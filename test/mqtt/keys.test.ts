// Replacing an account's key ends the MQTT sessions that logged in with the old one, whether the
// key is replaced in this process (core) or by the account command writing the same database file.
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect } from 'vitest';
import { runCli } from '../../src/cli.js';
import type { TestAccount } from '../helpers.js';
import { mqttTestWith, type MqttTest } from './helpers.js';

// The check for keys replaced by another process runs every 20 ms here (500 ms by default).
const it = mqttTestWith({ config: { keyCheckIntervalMs: 20 } });

/** Resolves when the client's connection closes; rejects after `ms`. */
function closed(client: MqttClient, ms = 3000): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still connected after ${ms} ms`)), ms);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function connack(t: MqttTest, username: string, password: string): Promise<number> {
  return new Promise((resolve) => {
    const client = mqtt.connect(`mqtt://127.0.0.1:${t.port}`, { username, password, reconnectPeriod: 0, connectTimeout: 5000 });
    client.once('connect', () => {
      client.end(true);
      resolve(0);
    });
    client.once('error', (err: Error & { code?: number }) => {
      client.end(true);
      resolve(err.code ?? -1);
    });
  });
}

async function tokenAccount(t: MqttTest): Promise<TestAccount> {
  const res = await t.req('POST', '/api/v2/alice/tokens', { body: {} });
  expect(res.status).toBe(200);
  return { ...t.alice, key: res.json.key };
}

describe('a replaced key ends the sessions that logged in with the old one', () => {
  it('replaced through the core: the key sessions close at once; token sessions and other accounts stay', async ({ t }) => {
    const a1 = await t.connect(t.alice);
    const a2 = await t.connect(t.alice);
    const viaToken = await t.connect(await tokenAccount(t));
    const bob = await t.connect(t.bob);
    // Before: the old key's session publishes and gets its PUBACK.
    await a1.publishAsync('alice/f/x', '1', { qos: 1 });
    t.core.accounts.setKey('alice', 'alice-key-replaced');
    await Promise.all([closed(a1, 1000), closed(a2, 1000)]);
    const fresh = await t.connect({ ...t.alice, key: 'alice-key-replaced' });
    await t.barrier(bob); // a round trip later, the others are still up
    expect([viaToken.connected, bob.connected, fresh.connected]).toEqual([true, true, true]);
    expect(await connack(t, 'alice', t.alice.key)).toBe(5);
  });

  it('replaced by the account command (another process, same file): closed within the check interval', async ({ t }) => {
    const old = await t.connect(t.alice);
    const bob = await t.connect(t.bob);
    const out: string[] = [];
    expect(runCli(['user', 'key', 'alice', '--key', 'alice-key-from-cli'], { AIO_DB: t.config.dbPath }, (s) => out.push(s))).toBe(0);
    expect(out).toEqual(['new key for alice set']);
    await closed(old, 2000);
    const fresh = await t.connect({ ...t.alice, key: 'alice-key-from-cli' });
    await t.barrier(fresh);
    expect([fresh.connected, bob.connected]).toEqual([true, true]);
  });

  it('other changes by the account command (a rate limit) leave the sessions alone', async ({ t }) => {
    const alice = await t.connect(t.alice);
    expect(runCli(['user', 'limit', 'alice', '60'], { AIO_DB: t.config.dbPath }, () => {})).toBe(0);
    t.core.accounts.checkKeys(); // what the timer does: the commit is seen, the hash is unchanged
    await t.barrier(alice);
    expect(alice.connected).toBe(true);
  });
});
