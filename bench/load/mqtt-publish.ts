/**
 * MQTT publishers from their own process: `clients` connections, each publishing to its own topic
 * (`${topicPrefix}${i}`) as fast as the broker takes them for `duration` seconds.
 *   QoS 1: 16 messages in flight per client (the next goes when a PUBACK comes back).
 *   QoS 0: QoS 0 has no flow control, and a flood only fills socket buffers that the broker works
 *   through long after the run, so every 50th message is sent at QoS 1 and at most two such batches
 *   are in flight per client: a PUBACK means the broker has handled the batch before it.
 * The run ends when the last PUBACK is in: `elapsedMs` is from the first send to then.
 * With `subscribe`, one more connection subscribes to that filter (QoS 0) and counts the PUBLISH
 * packets the broker forwards (a minimal MQTT reader on a plain socket, so that counting costs this
 * process next to nothing); the count is taken once nothing has arrived for half a second.
 * Result: { sent, elapsedMs, received }.
 */
import { connect as tcpConnect } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { parent } from '../lib/procs.js';
import { splitFrames } from '../lib/raw-mqtt.js';

interface Config {
  port: number;
  username?: string;
  password?: string;
  clients: number;
  qos: 0 | 1;
  duration: number;
  topicPrefix: string;
  subscribe?: string;
}

const cfg = parent.config<Config>();

const connect = (id: string) =>
  new Promise<MqttClient>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${cfg.port}`, {
      clientId: id,
      username: cfg.username,
      password: cfg.password,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      keepalive: 60,
    });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
};
const packet = (type: number, body: Buffer) => {
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([type, ...len]), body]);
};

/** A QoS 0 subscriber that only counts PUBLISH packets. Resolves once SUBACK is in. */
function countingSubscriber(filter: string): Promise<{ count: () => number; close: () => void }> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let buf: Buffer = Buffer.alloc(0);
    const sock = tcpConnect(cfg.port, '127.0.0.1', () => {
      const flags = 0x02 | (cfg.username ? 0x80 : 0) | (cfg.password ? 0x40 : 0);
      const payload = [
        str(`bench-count-${process.pid}`),
        ...(cfg.username ? [str(cfg.username)] : []),
        ...(cfg.password ? [str(cfg.password)] : []),
      ];
      sock.write(packet(0x10, Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 60]), ...payload])));
      sock.write(packet(0x82, Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([0])])));
    });
    sock.setNoDelay(true);
    sock.on('error', reject);
    sock.on('data', (chunk) => {
      buf = splitFrames(buf.length ? Buffer.concat([buf, chunk]) : chunk, (first) => {
        const type = first >> 4;
        if (type === 3) count++;
        else if (type === 9) resolve({ count: () => count, close: () => sock.destroy() });
      });
    });
  });
}

try {
  const sub = cfg.subscribe ? await countingSubscriber(cfg.subscribe) : undefined;
  const pubs = await Promise.all(Array.from({ length: cfg.clients }, (_, i) => connect(`bench-pub-${process.pid}-${i}`)));
  const payload = Buffer.from('42.5');
  let sent = 0;
  const t0 = performance.now();
  const end = t0 + cfg.duration * 1000;
  await Promise.all(
    pubs.map(
      (c, i) =>
        new Promise<void>((resolve, reject) => {
          const topic = `${cfg.topicPrefix}${i}`;
          let inFlight = 0;
          const acked = (err?: Error) => {
            inFlight--;
            if (err) return reject(err);
            pump();
          };
          const pump = () => {
            while (performance.now() < end && inFlight < (cfg.qos === 1 ? 16 : 2)) {
              inFlight++;
              if (cfg.qos === 0) {
                for (let k = 0; k < 49; k++) c.publish(topic, payload, { qos: 0 });
                sent += 49;
              }
              sent++;
              c.publish(topic, payload, { qos: 1 }, acked);
            }
            if (inFlight === 0) resolve();
          };
          pump();
        }),
    ),
  );
  const elapsedMs = performance.now() - t0;
  let received = 0;
  if (sub) {
    let seen = -1;
    while (seen !== sub.count()) {
      seen = sub.count();
      await new Promise((r) => setTimeout(r, 500));
    }
    received = sub.count();
    sub.close();
  }
  parent.send({ type: 'result', sent, elapsedMs, received });
  await Promise.all(pubs.map((c) => c.endAsync()));
} catch (err) {
  parent.fail(err);
}
parent.onStop(() => {});
