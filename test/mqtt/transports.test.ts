// Listeners as `npm start` runs them (startServer): TCP, WebSocket at /mqtt on the HTTP port, TLS with a
// certificate generated here; graceful stop.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { startServer, type Server } from '../../src/server.js';
import { tempDir, testConfig } from '../helpers.js';
import { Inbox, rawConnect } from './helpers.js';

const KEY = 'alice-key-0123456789';
let server: Server | undefined;
let cleanup: Array<() => void> = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
  await server?.close();
  server = undefined;
  for (const c of cleanup) c();
  cleanup = [];
});

async function start(overrides: Partial<Config> = {}): Promise<Server> {
  const tmp = tempDir();
  cleanup.push(tmp.cleanup);
  const config = testConfig({ username: 'alice', key: KEY, mqttsPort: 0, ...overrides }, join(tmp.dir, 'aio.sqlite'));
  server = await startServer(config, { log: () => {}, mqttTimers: null });
  return server;
}

function makeCert(): { cert: string; key: string } {
  const tmp = tempDir('aio-tls-');
  cleanup.push(tmp.cleanup);
  const cert = join(tmp.dir, 'cert.pem');
  const key = join(tmp.dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

async function connect(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { username: 'alice', password: KEY, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
  clients.push(client);
  return client;
}

async function postValue(s: Server, feed: string, value: string) {
  const res = await fetch(`${s.httpUrl}/api/v2/alice/feeds/${feed}/data`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-aio-key': KEY },
    body: JSON.stringify({ value }),
  });
  expect(res.status).toBe(200);
}

describe('startServer listeners', () => {
  it('TCP on the bound MQTT port (port 0 picks one): HTTP data reaches an MQTT subscriber', async () => {
    const s = await start();
    expect(s.mqttPort).toBeGreaterThan(0);
    expect(s.mqttsPort).toBeUndefined();
    const client = await connect(`mqtt://127.0.0.1:${s.mqttPort}`);
    const inbox = new Inbox(client);
    await client.subscribeAsync('alice/f/tcp');
    await postValue(s, 'tcp', 'over-http');
    expect((await inbox.waitFor((m) => m.topic === 'alice/f/tcp')).payload).toBe('over-http');
  });

  it('WebSocket at /mqtt on the HTTP port: subscribe, publish, receive', async () => {
    const s = await start();
    const port = new URL(s.httpUrl).port;
    const client = await connect(`ws://127.0.0.1:${port}/mqtt`);
    const inbox = new Inbox(client);
    await client.subscribeAsync(['alice/feeds/ws', 'alice/f/ws/csv']);
    await client.publishAsync('alice/feeds/ws', '1', { qos: 1 });
    await postValue(s, 'ws', '2');
    await inbox.waitFor((m) => m.topic === 'alice/f/ws/csv' && m.payload === '2,,,');
    expect(inbox.list()).toEqual(['alice/f/ws/csv 1,,,', 'alice/f/ws/csv 2,,,', 'alice/feeds/ws 1', 'alice/feeds/ws 2']);
    const last = await fetch(`${s.httpUrl}/api/v2/alice/feeds/ws/data?X-AIO-Key=${KEY}`);
    expect(((await last.json()) as Array<{ value: string }>).map((d) => d.value)).toEqual(['2', '1']);
  });

  it('WebSocket login is checked like TCP (CONNACK 5)', async () => {
    const s = await start();
    const port = new URL(s.httpUrl).port;
    await expect(connect(`ws://127.0.0.1:${port}/mqtt`, { password: 'wrong' })).rejects.toMatchObject({ code: 5 });
  });

  it('other upgrade paths are refused and HTTP keeps working', async () => {
    const s = await start();
    const port = new URL(s.httpUrl).port;
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/not-mqtt`, 'mqtt');
      ws.once('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      ws.on('error', () => {});
      ws.once('open', () => reject(new Error('upgraded')));
    });
    expect(status).toBe(404);
    const res = await fetch(`${s.httpUrl}/api/v2/user?X-AIO-Key=${KEY}`);
    expect(res.status).toBe(200);
  });

  it('TLS on MQTTS_PORT when AIO_TLS_CERT and AIO_TLS_KEY name PEM files', async () => {
    const { cert, key } = makeCert();
    const env = loadConfig({ AIO_TLS_CERT: cert, AIO_TLS_KEY: key, MQTTS_PORT: '0' });
    const s = await start({ tlsCert: env.tlsCert, tlsKey: env.tlsKey, mqttsPort: env.mqttsPort });
    expect(s.mqttsPort).toBeGreaterThan(0);
    const client = await connect(`mqtts://127.0.0.1:${s.mqttsPort}`, { ca: readFileSync(cert), rejectUnauthorized: true });
    const inbox = new Inbox(client);
    await client.subscribeAsync('alice/f/secure');
    await client.publishAsync('alice/f/secure', 'tls', { qos: 1 });
    expect((await inbox.waitFor((m) => m.topic === 'alice/f/secure')).payload).toBe('tls');
  });

  it('graceful stop: clients see the connection close, and close() resolves promptly', async () => {
    const s = await start();
    const port = new URL(s.httpUrl).port;
    const tcp = await connect(`mqtt://127.0.0.1:${s.mqttPort}`);
    const ws = await connect(`ws://127.0.0.1:${port}/mqtt`);
    const raw = await rawConnect(s.mqttPort); // never sends CONNECT
    const closed = [tcp, ws].map((c) => new Promise<void>((r) => c.once('close', () => r())));
    const started = Date.now();
    await s.close();
    server = undefined;
    await Promise.all([...closed, raw.closed]);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('MQTT configuration', () => {
  it('reads MQTTS_PORT and MQTT_MAX_PACKET_BYTES with their defaults', () => {
    const c = loadConfig({});
    expect(c.mqttsPort).toBe(8883);
    expect(c.mqttMaxPacketBytes).toBe(1024 * 1024);
    expect(c.tlsCert).toBeUndefined();
    expect(loadConfig({ MQTTS_PORT: '9883', MQTT_MAX_PACKET_BYTES: '2048' })).toMatchObject({ mqttsPort: 9883, mqttMaxPacketBytes: 2048 });
  });

  it('needs both TLS files or neither, and readable ones, naming the variable', () => {
    const { cert } = makeCert();
    expect(() => loadConfig({ AIO_TLS_CERT: cert })).toThrow(/^AIO_TLS_CERT is set but AIO_TLS_KEY is not/);
    expect(() => loadConfig({ AIO_TLS_KEY: cert })).toThrow(/^AIO_TLS_KEY is set but AIO_TLS_CERT is not/);
    expect(() => loadConfig({ AIO_TLS_CERT: cert, AIO_TLS_KEY: '/nonexistent/key.pem' })).toThrow(
      /^AIO_TLS_KEY: cannot read "\/nonexistent\/key.pem"/,
    );
    expect(() => loadConfig({ MQTTS_PORT: 'x' })).toThrow(/^MQTTS_PORT must be a whole number/);
    expect(() => loadConfig({ MQTT_MAX_PACKET_BYTES: '10' })).toThrow(/^MQTT_MAX_PACKET_BYTES must be between/);
  });
});
