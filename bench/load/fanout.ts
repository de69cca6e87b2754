/**
 * Fan-out latency from its own process: `subscribers` MQTT clients subscribe to `topic` (QoS 0,
 * connected in batches of 100), then `warmup + messages` values are sent one after the other, each
 * when every subscriber has the previous one:
 *   trigger 'http': POST {"value": "<n>"} to `httpPath` (one keep-alive connection), timed from the
 *                   request's start to each subscriber's receipt (and to the HTTP response);
 *   trigger 'mqtt': one more client publishes "<n>" to `topic` at QoS 0, timed to each receipt.
 * With no subscribers, only the HTTP request times are taken.
 * Result: { p50, p99, httpP50, httpP99, deliveries, missing } in ms.
 */
import { Agent, request } from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { percentile } from '../lib/common.js';
import { parent } from '../lib/procs.js';

interface Config {
  mqttPort?: number;
  httpPort?: number;
  httpPath?: string;
  headers?: Record<string, string>;
  username?: string;
  password?: string;
  subscribers: number;
  topic: string;
  trigger: 'http' | 'mqtt';
  messages: number;
  warmup: number;
}

const cfg = parent.config<Config>();
const connect = (id: string) =>
  new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${cfg.mqttPort}`, {
      clientId: id,
      username: cfg.username,
      password: cfg.password,
      reconnectPeriod: 0,
      connectTimeout: 60_000,
      keepalive: 120,
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const post = (value: string) =>
  new Promise<void>((resolve, reject) => {
    const body = JSON.stringify({ value });
    const req = request(
      {
        host: '127.0.0.1',
        port: cfg.httpPort,
        path: cfg.httpPath,
        method: 'POST',
        agent,
        headers: { ...cfg.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`POST ${cfg.httpPath}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });

try {
  const subs: MqttClient[] = [];
  for (let i = 0; i < cfg.subscribers; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, cfg.subscribers - i) }, (_, j) => connect(`bench-fan-${process.pid}-${i + j}`)),
    );
    await Promise.all(batch.map((c) => c.subscribeAsync(cfg.topic, { qos: 0 })));
    subs.push(...batch);
  }
  const pub = cfg.trigger === 'mqtt' ? await connect(`bench-fan-pub-${process.pid}`) : undefined;

  const latencies: number[] = [];
  const httpTimes: number[] = [];
  let missing = 0;
  let token = '';
  let t0 = 0;
  let keep = false;
  let got = 0;
  let allIn: (() => void) | undefined;
  for (const c of subs) {
    c.on('message', (_topic, payload) => {
      if (payload.toString() !== token) return;
      if (keep) latencies.push(performance.now() - t0);
      if (++got === subs.length) allIn?.();
    });
  }
  for (let k = 0; k < cfg.warmup + cfg.messages; k++) {
    keep = k >= cfg.warmup;
    token = `${k}.5`;
    got = 0;
    const delivered = new Promise<void>((resolve) => {
      allIn = resolve;
      if (subs.length === 0) resolve();
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)));
    t0 = performance.now();
    if (pub) pub.publish(cfg.topic, token, { qos: 0 });
    else {
      await post(token);
      if (keep) httpTimes.push(performance.now() - t0);
    }
    await Promise.race([delivered, timeout]);
    clearTimeout(timer);
    if (keep) missing += subs.length - got;
  }
  parent.send({
    type: 'result',
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    httpP50: percentile(httpTimes, 50),
    httpP99: percentile(httpTimes, 99),
    deliveries: latencies.length,
    missing,
  });
  await Promise.all([...subs, ...(pub ? [pub] : [])].map((c) => c.endAsync(true)));
  agent.destroy();
} catch (err) {
  parent.fail(err);
}
parent.onStop(() => {});
