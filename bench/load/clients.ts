/**
 * Idle MQTT clients from their own process: `clients` connections opened in batches of `batch`, each
 * subscribing to two filters (`{user}/feeds/m<i>` and `{user}/groups/g<i % 100>`). Reports `ready`
 * once all are subscribed, holds them until told to stop.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { parent } from '../lib/procs.js';

interface Config {
  port: number;
  username: string;
  password: string;
  clients: number;
  batch: number;
}

const cfg = parent.config<Config>();
const clients: MqttClient[] = [];
parent.onStop(() => {
  for (const c of clients) c.end(true);
});

const connect = (i: number) =>
  new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${cfg.port}`, {
      clientId: `bench-mem-${process.pid}-${i}`,
      username: cfg.username,
      password: cfg.password,
      reconnectPeriod: 0,
      connectTimeout: 120_000,
      keepalive: 600,
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });

try {
  const t0 = performance.now();
  for (let i = 0; i < cfg.clients; i += cfg.batch) {
    const batch = await Promise.all(Array.from({ length: Math.min(cfg.batch, cfg.clients - i) }, (_, j) => connect(i + j)));
    clients.push(...batch);
    await Promise.all(
      batch.map((c, j) => c.subscribeAsync([`${cfg.username}/feeds/m${i + j}`, `${cfg.username}/groups/g${(i + j) % 100}`], { qos: 0 })),
    );
  }
  parent.send({ type: 'ready', connected: clients.length, seconds: (performance.now() - t0) / 1000 });
} catch (err) {
  parent.fail(err);
}
