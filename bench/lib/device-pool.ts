/**
 * Several device processes (load/devices.ts) driven as one: a group of N connections is split evenly
 * over them, each process connecting from its own loopback source address, so that neither one
 * process's file limit nor one address's ephemeral ports bound the count.
 */
import { type Child, spawnChild } from './procs.js';

export interface OpenSpec {
  port: number;
  count: number;
  username?: string;
  password?: string;
  /** Client i subscribes to `<topicPrefix><i>`. */
  topicPrefix?: string;
  /** Client j subscribes to follow[j] and records delivery delays (then `count` is follow.length). */
  follow?: string[][];
  /** CONNECTs unanswered at a time, per process. */
  inFlight?: number;
}

let addresses = 0;
/** The n-th of 127.2.0.1, 127.2.0.2 … 127.2.0.254, 127.2.1.1 … (all loopback on Linux). */
const loopback = (n: number) => {
  const a = Math.floor(n / 254);
  return `127.${2 + (a >> 8)}.${a & 255}.${(n % 254) + 1}`;
};

export class DevicePool {
  private readonly procs: Child[];

  constructor(processes: number) {
    this.procs = Array.from({ length: processes }, (_, i) => spawnChild('load/devices.ts', { name: `devices ${i + 1}` }));
  }

  async ready(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.next('ready', 60_000)));
  }

  get size(): number {
    return this.procs.length;
  }

  /** Opens the group `key`; resolves with the wall-clock seconds until every connection is in (and subscribed). */
  async open(key: string, spec: OpenSpec): Promise<{ seconds: number; connected: number }> {
    const t0 = performance.now();
    const parts = this.split(spec.count);
    const got = await Promise.all(
      this.procs.map(async (p, i) => {
        const { from, count } = parts[i]!;
        if (count === 0) return 0;
        // A fresh source address per process and group: no ephemeral port of an earlier round is still in TIME_WAIT.
        const n = addresses++;
        p.send({
          type: 'open',
          key,
          port: spec.port,
          from,
          count,
          localAddress: loopback(n),
          username: spec.username,
          password: spec.password,
          topicPrefix: spec.topicPrefix,
          follow: spec.follow?.slice(from, from + count),
          inFlight: spec.inFlight ?? 100,
        });
        const m = await p.next<{ type: 'opened'; connected: number }>('opened', 600_000);
        return m.connected;
      }),
    );
    return { seconds: (performance.now() - t0) / 1000, connected: got.reduce((a, b) => a + b, 0) };
  }

  /** Every connection of group `key` publishes its time to its own topic every `periodMs` for `seconds`. */
  async publish(
    key: string,
    spec: { count: number; topicPrefix: string; periodMs: number; seconds: number; startAt: number },
  ): Promise<{ sent: number; acked: number; failed: number; pubackMs: number[] }> {
    const parts = this.split(spec.count);
    const got = await Promise.all(
      this.procs.map(async (p, i) => {
        if (parts[i]!.count === 0) return { sent: 0, acked: 0, failed: 0, pubackMs: [] as number[] };
        p.send({ type: 'publish', key, ...spec, from: parts[i]!.from, total: spec.count });
        return p.next<{ type: 'published'; sent: number; acked: number; failed: number; pubackMs: number[] }>(
          'published',
          spec.seconds * 1000 + 120_000,
        );
      }),
    );
    return {
      sent: got.reduce((a, g) => a + g.sent, 0),
      acked: got.reduce((a, g) => a + g.acked, 0),
      failed: got.reduce((a, g) => a + g.failed, 0),
      pubackMs: got.flatMap((g) => g.pubackMs),
    };
  }

  /** The delivery delays group `key`'s followers recorded since the last collect. */
  async collect(key: string): Promise<number[]> {
    const got = await Promise.all(
      this.procs.map(async (p) => {
        p.send({ type: 'collect', key });
        return (await p.next<{ type: 'collected'; deliveryMs: number[] }>('collected')).deliveryMs;
      }),
    );
    return got.flat();
  }

  async close(key: string): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        p.send({ type: 'close', key });
        await p.next('closed', 120_000);
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop(30_000)));
  }

  private split(count: number): Array<{ from: number; count: number }> {
    const per = Math.ceil(count / this.procs.length);
    return this.procs.map((_, i) => ({ from: Math.min(count, i * per), count: Math.max(0, Math.min(per, count - i * per)) }));
  }
}
