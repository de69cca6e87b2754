/**
 * Idle devices from their own process, for many-devices and fleet: it waits for the runner's orders
 * over IPC and can be reused for several servers (and rounds) without starting again.
 *   { type: 'open', key, port, from, count, localAddress, username, password, topicPrefix?,
 *     follow?, inFlight }
 *       opens `count` connections from `localAddress` (clientId `dev-<key>-<i>`), at most `inFlight`
 *       CONNECTs unanswered at a time; with `topicPrefix` each subscribes to `<topicPrefix><i>`
 *       (i = from … from+count-1), with `follow` (a list of filter lists) client j subscribes to
 *       follow[j] and records the delay of every value it receives (the payload is the sender's
 *       wall-clock time in ms). Answers { type: 'opened', key, connected, seconds }.
 *   { type: 'publish', key, topicPrefix, from, total, periodMs, startAt, seconds }
 *       each of the group's connections (device i = from …) publishes its time at QoS 1 to
 *       `<topicPrefix><i>` every `periodMs`, device i's first at startAt + i/total × periodMs (wall
 *       clock), until startAt + seconds; answers { type: 'published', key, sent, acked, failed, pubackMs }
 *       once every PUBACK is in (or a minute later); `failed`: publishes whose connection closed.
 *   { type: 'collect', key } → { type: 'collected', key, deliveryMs } (and forgets them).
 *   { type: 'close', key } drops the group's connections → { type: 'closed', key }.
 */
import { parent } from '../lib/procs.js';
import { RawMqtt } from '../lib/raw-mqtt.js';

interface Open {
  key: string;
  port: number;
  from: number;
  count: number;
  localAddress?: string;
  username?: string;
  password?: string;
  topicPrefix?: string;
  follow?: string[][];
  inFlight: number;
}

interface Publish {
  key: string;
  topicPrefix: string;
  from: number;
  total: number;
  periodMs: number;
  startAt: number;
  seconds: number;
}

const groups = new Map<string, { clients: RawMqtt[]; deliveries: number[] }>();
const now = () => performance.timeOrigin + performance.now();

async function open(o: Open): Promise<void> {
  const clients: RawMqtt[] = new Array(o.count);
  const deliveries: number[] = [];
  groups.set(o.key, { clients, deliveries });
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < o.count) {
      const j = next++;
      const c = await RawMqtt.connect({
        port: o.port,
        localAddress: o.localAddress,
        clientId: `dev-${o.key}-${o.from + j}`,
        username: o.username,
        password: o.password,
        keepalive: 1200,
        timeoutMs: 120_000,
      });
      clients[j] = c;
      const filters = o.follow ? o.follow[j]! : o.topicPrefix !== undefined ? [`${o.topicPrefix}${o.from + j}`] : [];
      if (o.follow) {
        c.onMessage = (_topic, payload) => deliveries.push(now() - Number(payload.toString()));
      }
      if (filters.length) {
        const granted = await c.subscribe(filters, 0);
        if (granted.some((g) => g > 1)) throw new Error(`subscription to ${filters[granted.findIndex((g) => g > 1)]} refused`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.inFlight, o.count) }, worker));
  parent.send({ type: 'opened', key: o.key, connected: clients.length, seconds: (performance.now() - t0) / 1000 });
}

async function publish(p: Publish): Promise<void> {
  const g = groups.get(p.key)!;
  const n = g.clients.length;
  const end = p.startAt + p.seconds * 1000;
  const pubackMs: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let acked = 0;
  let failed = 0;
  // Device i's k-th value is due at startAt + (from + i) / total × period + k × period; one timer walks
  // the group's devices in due order.
  const due = (i: number, k: number) => p.startAt + ((p.from + i) / p.total) * p.periodMs + k * p.periodMs;
  let i = 0;
  let k = 0;
  if (n > 0)
    await new Promise<void>((resolve) => {
      const tick = () => {
        const t = now();
        while (due(i, k) <= t) {
          if (due(i, k) >= end) return resolve();
          const c = g.clients[i]!;
          const sentAt = now();
          sent++;
          const ack = c.publish(`${p.topicPrefix}${p.from + i}`, sentAt.toFixed(3), 1).then(
            () => {
              acked++;
              pubackMs.push(now() - sentAt);
            },
            () => {
              failed++;
            },
          );
          inFlight.add(ack);
          void ack.finally(() => inFlight.delete(ack));
          if (++i === n) {
            i = 0;
            k++;
          }
        }
        setTimeout(tick, Math.max(0, Math.min(5, due(i, k) - now())));
      };
      tick();
    });
  // A late PUBACK is a slow one, not a lost one: wait for it (up to a minute) and count it.
  await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, 60_000))]);
  parent.send({ type: 'published', key: p.key, sent, acked, failed, pubackMs });
}

async function close(key: string): Promise<void> {
  const g = groups.get(key);
  groups.delete(key);
  if (g) await Promise.all(g.clients.filter(Boolean).map((c) => c.close()));
  parent.send({ type: 'closed', key });
}

process.on('message', (m: { type: string; key: string } & Record<string, unknown>) => {
  const run = (p: Promise<void>) => p.catch((err) => parent.fail(err));
  if (m.type === 'open') run(open(m as unknown as Open));
  else if (m.type === 'publish') run(publish(m as unknown as Publish));
  else if (m.type === 'collect') {
    const g = groups.get(m.key);
    parent.send({ type: 'collected', key: m.key, deliveryMs: g ? g.deliveries.splice(0) : [] });
  } else if (m.type === 'close') run(close(m.key));
});
parent.onStop(async () => {
  for (const key of [...groups.keys()]) {
    for (const c of groups.get(key)!.clients) c?.close();
  }
});
parent.send({ type: 'ready' });
