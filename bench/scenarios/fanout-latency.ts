/**
 * fanout-latency: an HTTP POST of a data point until each of 1, 100 and 1000 MQTT subscribers of its
 * feed topic has it (p50 and p99 over every delivery), values sent one at a time. Baseline: bare
 * Aedes publish → subscriber latency with the same subscribers, plus the bare http-ingest request
 * time (one POST at a time to the bare route), percentile by percentile. Target: p50 ≤ 2× baseline.
 */
import { join } from 'node:path';
import { KEY, USER, fmtMs, judged, median, type Ctx, type Row } from '../lib/common.js';
import { alternate, startBareAedes, startBareHttp, startOurs } from '../lib/harness.js';
import { runLoad } from '../lib/procs.js';
import { copyDb, seedDb } from '../lib/seed.js';

interface FanResult {
  p50: number;
  p99: number;
  httpP50: number;
  httpP99: number;
  deliveries: number;
  missing: number;
}

const COUNTS: Array<[subscribers: number, messages: number]> = [
  [1, 300],
  [100, 100],
  [1000, 40],
];

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'fanout.sqlite'), 100);
  const ours = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'fanout-ours.sqlite')), 'fanout-latency');
  const aedes = await startBareAedes();
  const bare = await startBareHttp(copyDb(seeded, join(ctx.tmp, 'fanout-base.sqlite')));
  const topic = `${USER}/feeds/bench`;
  const common = { username: USER, password: KEY, topic, warmup: 10, headers: { 'x-aio-key': KEY } };
  const check = (r: FanResult, what: string) => {
    if (r.missing > 0) throw new Error(`${what}: ${r.missing} deliveries missing`);
    return r;
  };
  try {
    const rows: Row[] = [];
    for (const [subscribers, messages] of COUNTS) {
      const [o, a, h] = await alternate(ctx, [
        async () =>
          check(
            await runLoad<FanResult>('load/fanout.ts', {
              ...common,
              subscribers,
              messages,
              trigger: 'http',
              mqttPort: ours.mqtt,
              httpPort: ours.http,
              httpPath: `/api/v2/${USER}/feeds/bench/data`,
            }),
            'ours',
          ),
        async () =>
          check(
            await runLoad<FanResult>('load/fanout.ts', { ...common, subscribers, messages, trigger: 'mqtt', mqttPort: aedes.mqtt }),
            'aedes',
          ),
        () =>
          runLoad<FanResult>('load/fanout.ts', {
            ...common,
            subscribers: 0,
            messages: 200,
            trigger: 'http',
            httpPort: bare.http,
            httpPath: '/ingest',
          }),
      ]);
      // The baseline of round i: bare Aedes' delivery plus the bare POST of the same round.
      const j = judged(
        o!.map((r) => r.p50),
        a!.map((r, i) => r.p50 + h![i]!.httpP50),
      );
      const oursP50 = j.ours;
      const oursP99 = median(o!.map((r) => r.p99));
      const baseP50 = j.base;
      const baseP99 = median(a!.map((r, i) => r.p99 + h![i]!.httpP99));
      ctx.log(
        `  ${subscribers} subscriber(s): ours p50 ${o!.map((r) => r.p50.toFixed(2)).join(', ')} p99 ${o!.map((r) => r.p99.toFixed(2)).join(', ')} ms; ` +
          `aedes p50 ${a!.map((r) => r.p50.toFixed(2)).join(', ')} p99 ${a!.map((r) => r.p99.toFixed(2)).join(', ')}; bare POST p50 ${h!.map((r) => r.httpP50.toFixed(2)).join(', ')} p99 ${h!.map((r) => r.httpP99.toFixed(2)).join(', ')}`,
      );
      const ratio = j.ratio;
      rows.push({
        spread: j.spread,
        scenario: `fanout-latency, ${subscribers} subscriber${subscribers > 1 ? 's' : ''} (p50; p99)`,
        ours: `${fmtMs(oursP50)}; ${fmtMs(oursP99)}`,
        baseline: `${fmtMs(baseP50)}; ${fmtMs(baseP99)}`,
        ratio,
        target: 'p50 ≤ 2×',
        met: ratio <= 2,
        data: { ours: o, aedes: a, bareHttp: h },
      });
    }
    return rows;
  } finally {
    await ours.child.stop();
    await aedes.child.stop();
    await bare.child.stop();
  }
}
