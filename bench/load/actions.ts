/**
 * Action output latency from its own process: one MQTT client subscribes to `pointTopic` (the feed
 * written) and `outputTopic` (the feed an action writes each point to), then `warmup + messages`
 * values are POSTed one after the other to `httpPath`, each when the previous one's output arrived.
 * Per point, on this client's clock: from the point's own delivery to its output's (data → action
 * output published), and from the POST's start to the output.
 * Result: { p50, p99, postP50, postP99, missing } in ms.
 */
import { Agent, request } from 'node:http';
import mqtt from 'mqtt';
import { percentile } from '../lib/common.js';
import { parent } from '../lib/procs.js';

interface Config {
  mqttPort: number;
  httpPort: number;
  httpPath: string;
  headers: Record<string, string>;
  username: string;
  password: string;
  pointTopic: string;
  outputTopic: string;
  messages: number;
  warmup: number;
}

const cfg = parent.config<Config>();
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
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${cfg.mqttPort}`, {
    username: cfg.username,
    password: cfg.password,
    reconnectPeriod: 0,
  });
  await client.subscribeAsync({ [cfg.pointTopic]: { qos: 0 }, [cfg.outputTopic]: { qos: 0 } });
  const latencies: number[] = [];
  const postTimes: number[] = [];
  let missing = 0;
  let token = '';
  let pointAt = 0;
  let outputAt = 0;
  let done: (() => void) | undefined;
  client.on('message', (topic, payload) => {
    if (payload.toString() !== token) return;
    if (topic === cfg.pointTopic) pointAt = performance.now();
    else if (topic === cfg.outputTopic) outputAt = performance.now();
    if (pointAt && outputAt) done?.();
  });
  for (let k = 0; k < cfg.warmup + cfg.messages; k++) {
    const keep = k >= cfg.warmup;
    token = `${k}.25`;
    pointAt = outputAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      done = () => resolve(true);
      timer = setTimeout(() => resolve(false), 10_000);
    });
    const t0 = performance.now();
    await post(token);
    const ok = await arrived;
    clearTimeout(timer);
    if (!keep) continue;
    if (!ok) {
      missing++;
      continue;
    }
    latencies.push(outputAt - pointAt);
    postTimes.push(outputAt - t0);
  }
  parent.send({
    type: 'result',
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    postP50: percentile(postTimes, 50),
    postP99: percentile(postTimes, 99),
    missing,
  });
  await client.endAsync(true);
  agent.destroy();
} catch (err) {
  parent.fail(err);
}
parent.onStop(() => {});
