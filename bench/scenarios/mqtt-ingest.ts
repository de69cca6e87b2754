/**
 * mqtt-ingest: 10 clients publish values as fast as the broker takes them (QoS 0, then QoS 1; see
 * load/mqtt-publish.ts for the flow control), each to its own feed topic. Ours: points stored per
 * second, counted in the database (the run's feeds). Baseline: bare Aedes forwarding the same
 * publishes to one subscriber (QoS 0), no storage: messages the subscriber received per second.
 * Both over the publishers' time from the first send to the last PUBACK. Targets: ≥ 0.9 (QoS 0) and ≥ 0.85 (QoS 1).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KEY, USER, fmtRate, judged, sleep, type Ctx, type Row } from '../lib/common.js';
import { alternate, startBareAedes, startOurs } from '../lib/harness.js';
import { runLoad } from '../lib/procs.js';
import { seedDb } from '../lib/seed.js';

interface PubResult {
  sent: number;
  elapsedMs: number;
  received: number;
}

const CLIENTS = 10;
/** Issue 19's targets: QoS 0 ≥ 0.9, QoS 1 ≥ 0.85 of bare Aedes forwarding. */
const MIN = { 0: 0.9, 1: 0.85 } as const;

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'mqtt-ingest.sqlite'), 0);
  const ours = await startOurs(ctx, seeded, 'mqtt-ingest');
  const base = await startBareAedes();
  const db = new Database(seeded.path, { readonly: true });
  const counted = db.prepare<[string], { n: number }>(
    `SELECT count(*) AS n FROM data d JOIN feeds f ON f.id = d.feed_id WHERE f.key LIKE ?`,
  );
  let runNo = 0;
  try {
    const rows: Row[] = [];
    for (const qos of [0, 1] as const) {
      const load = (port: number, topicPrefix: string, subscribe?: string) =>
        runLoad<PubResult>('load/mqtt-publish.ts', {
          port,
          username: USER,
          password: KEY,
          clients: CLIENTS,
          qos,
          duration: ctx.duration,
          topicPrefix,
          subscribe,
        });
      const oursRun = async () => {
        const tag = `q${qos}r${++runNo}-`;
        const r = await load(ours.mqtt!, `${USER}/feeds/${tag}`);
        // Stored points of this run: wait until the count stops growing, then count and span them.
        let stats = counted.get(`${tag}%`)!;
        for (;;) {
          await sleep(300);
          const next = counted.get(`${tag}%`)!;
          if (next.n === stats.n) break;
          stats = next;
        }
        return { rate: stats.n / (r.elapsedMs / 1000), stored: stats.n, received: 0, sent: r.sent };
      };
      const baseRun = async () => {
        const r = await load(base.mqtt!, `${USER}/feeds/b${++runNo}-`, `${USER}/feeds/#`);
        return { rate: r.received / (r.elapsedMs / 1000), stored: 0, received: r.received, sent: r.sent };
      };
      const [o, b] = await alternate(ctx, [oursRun, baseRun]);
      const j = judged(
        o!.map((x) => x.rate),
        b!.map((x) => x.rate),
      );
      for (const x of o!) if (x.stored !== x.sent) throw new Error(`QoS ${qos}: ${x.sent} sent, ${x.stored} stored`);
      for (const x of b!) if (x.received !== x.sent) throw new Error(`QoS ${qos}: ${x.sent} sent, ${x.received} forwarded`);
      ctx.log(
        `  QoS ${qos}: ours ${o!.map((x) => `${Math.round(x.rate)}/s (${x.stored} of ${x.sent} stored)`).join(', ')}; ` +
          `baseline ${b!.map((x) => `${Math.round(x.rate)}/s (${x.received} of ${x.sent})`).join(', ')}`,
      );
      const ratio = j.ratio;
      rows.push({
        scenario: `mqtt-ingest QoS ${qos} (10 clients)`,
        ours: fmtRate(j.ours, 'points/s'),
        baseline: fmtRate(j.base, 'msg/s'),
        ratio,
        spread: j.spread,
        target: `≥ ${MIN[qos]}`,
        met: ratio >= MIN[qos],
        data: { ours: o, baseline: b },
      });
    }
    return rows;
  } finally {
    db.close();
    await ours.child.stop();
    await base.child.stop();
  }
}
