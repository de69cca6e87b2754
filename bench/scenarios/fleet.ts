/**
 * fleet: a fleet's steady state. 10,000 MQTT clients (device feeds `f<i>`, seeded) each publish their
 * clock at QoS 1 once every 10 s, spread evenly (1,000 points/s), while 100 subscribers follow them
 * (subscriber j holds the 100 feed topics of devices 100j … 100j+99, so every value has one follower)
 * and 4 HTTP readers page (1,000 points of the 1,000,000-point feed) and chart (24 hours) at 40
 * requests/s in all. Figures: PUBACK time at the publisher and delivery time (publish → follower), p50
 * and p99 over every value of a run. Ours: rate limit off, MQTT bans on with loose thresholds.
 * Baseline in the same run: bare Aedes with the same clients and load (forwarding), the readers on the
 * bare HTTP routes (/page, /last) of a copy of the same database. Both servers are up throughout and
 * hold their clients; the measured runs alternate. Target: ours PUBACK and delivery p99 ≤ 20 ms.
 */
import { join } from 'node:path';
import { KEY, USER, fmtInt, fmtMs, judged, median, percentile, type Ctx, type Row } from '../lib/common.js';
import { DevicePool } from '../lib/device-pool.js';
import { type HttpResult, alternate, httpLoad, startBareAedes, startBareHttp, startOurs } from '../lib/harness.js';
import { copyDb, seedFeeds } from '../lib/seed.js';

const PERIOD_MS = 10_000;
const FOLLOWERS = 100;
const READERS = { connections: 4, overallRate: 40 };
const TARGET_MS = 20;

interface RunResult {
  sent: number;
  acked: number;
  delivered: number;
  puback: { p50: number; p99: number };
  delivery: { p50: number; p99: number };
  readers: Pick<HttpResult, 'rps' | 'p50' | 'p99'>;
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const devices = ctx.quick ? 1000 : 10_000;
  const period = ctx.quick ? 1000 : PERIOD_MS;
  // One period a run: every device publishes once.
  const seconds = ctx.quick ? 4 : PERIOD_MS / 1000;
  const big = await ctx.bigDb();
  const seeded = copyDb(big, join(ctx.tmp, 'fleet.sqlite'));
  ctx.log(`  seeded ${fmtInt(devices)} device feeds in ${seedFeeds(seeded.path, 'f', devices).toFixed(1)} s`);
  const loose = '1000000';
  const ours = await startOurs(ctx, copyDb(seeded, join(ctx.tmp, 'fleet-ours.sqlite')), 'fleet', {
    AIO_RATE_LIMIT: '0',
    AIO_MQTT_BANS: '1',
    AIO_MQTT_MAX_CONNECTS: loose,
    AIO_MQTT_MAX_SUBSCRIBES: loose,
    AIO_MQTT_MAX_REFUSED: loose,
    AIO_MQTT_MAX_THROTTLED: loose,
    AIO_MQTT_MAX_CONNECTIONS: String(devices + FOLLOWERS + 1000),
  });
  const aedes = await startBareAedes();
  const bare = await startBareHttp(copyDb(seeded, join(ctx.tmp, 'fleet-bare.sqlite')));
  const pool = new DevicePool(4);
  const prefix = `${USER}/feeds/f`;
  const per = devices / FOLLOWERS;
  const follow = Array.from({ length: FOLLOWERS }, (_, j) => Array.from({ length: per }, (_, m) => `${prefix}${j * per + m}`));
  try {
    await pool.ready();
    for (const [side, port] of [
      ['ours', ours.mqtt!],
      ['aedes', aedes.mqtt!],
    ] as const) {
      const a = await pool.open(`${side}-dev`, { port, count: devices, username: USER, password: KEY });
      const b = await pool.open(`${side}-sub`, { port, count: FOLLOWERS, username: USER, password: KEY, follow });
      ctx.log(
        `  ${side}: ${fmtInt(a.connected)} devices connected in ${a.seconds.toFixed(1)} s, ${b.connected} followers in ${b.seconds.toFixed(1)} s`,
      );
    }
    const oursPaths = [`/api/v2/${USER}/feeds/bench/data?limit=1000`, `/api/v2/${USER}/feeds/bench/data/chart?hours=24`];
    const barePaths = ['/page', '/last'];
    const measure = async (side: 'ours' | 'aedes', runSeconds: number): Promise<RunResult> => {
      await pool.collect(`${side}-sub`); // forget anything earlier
      const httpPort = side === 'ours' ? ours.http! : bare.http!;
      const paths = side === 'ours' ? oursPaths : barePaths;
      const [pub, readers] = await Promise.all([
        pool.publish(`${side}-dev`, {
          count: devices,
          topicPrefix: prefix,
          periodMs: period,
          seconds: runSeconds,
          startAt: Date.now() + 500,
        }),
        httpLoad(httpPort, { path: paths[0]! }, { ...READERS, paths, duration: runSeconds }),
      ]);
      if (pub.acked !== pub.sent) {
        throw new Error(
          `${side}: ${pub.sent - pub.acked} of ${pub.sent} publishes not acknowledged (${pub.failed} on a closed connection, the rest after a minute)`,
        );
      }
      // Deliveries trail the last PUBACK by little: collect until every value is in (or 30 s).
      const delivery: number[] = [];
      for (const until = Date.now() + 30_000; delivery.length < pub.sent && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 200));
        for (const ms of await pool.collect(`${side}-sub`)) delivery.push(ms);
      }
      if (delivery.length < pub.sent) throw new Error(`${side}: ${pub.sent - delivery.length} of ${pub.sent} values not delivered`);
      return {
        sent: pub.sent,
        acked: pub.acked,
        delivered: delivery.length,
        puback: { p50: percentile(pub.pubackMs, 50), p99: percentile(pub.pubackMs, 99) },
        delivery: { p50: percentile(delivery, 50), p99: percentile(delivery, 99) },
        readers: { rps: readers.rps, p50: readers.p50, p99: readers.p99 },
      };
    };
    // Warm-up: each side's JIT and caches, not measured.
    await measure('ours', ctx.quick ? 1 : 3);
    await measure('aedes', ctx.quick ? 1 : 3);
    const [o, b] = await alternate(ctx, [() => measure('ours', seconds), () => measure('aedes', seconds)]);
    const show = (r: RunResult) =>
      `PUBACK ${r.puback.p50.toFixed(1)}/${r.puback.p99.toFixed(1)}, delivery ${r.delivery.p50.toFixed(1)}/${r.delivery.p99.toFixed(1)} ms (${r.sent} values)`;
    ctx.log(`  ours (p50/p99): ${o!.map(show).join('; ')}`);
    ctx.log(`  bare aedes (p50/p99): ${b!.map(show).join('; ')}`);
    ctx.log(`  readers ours: ${o!.map((r) => `${r.readers.rps.toFixed(0)} req/s p99 ${r.readers.p99} ms`).join(', ')}`);
    const pa = judged(
      o!.map((r) => r.puback.p99),
      b!.map((r) => r.puback.p99),
    );
    const de = judged(
      o!.map((r) => r.delivery.p99),
      b!.map((r) => r.delivery.p99),
    );
    const p50 = (rs: RunResult[], k: 'puback' | 'delivery') => median(rs.map((r) => r[k].p50));
    const label = `${fmtInt(devices)} clients QoS 1 every ${period / 1000} s + ${FOLLOWERS} followers + HTTP readers`;
    return [
      {
        scenario: `fleet: ${label}, PUBACK (p50; p99)`,
        ours: `${fmtMs(p50(o!, 'puback'))}; ${fmtMs(pa.ours)}`,
        baseline: `${fmtMs(p50(b!, 'puback'))}; ${fmtMs(pa.base)}`,
        ratio: pa.ratio,
        spread: pa.spread,
        target: `p99 ≤ ${TARGET_MS} ms`,
        met: pa.ours <= TARGET_MS,
        data: { ours: o, baseline: b },
      },
      {
        scenario: 'fleet: delivery to the follower (p50; p99)',
        ours: `${fmtMs(p50(o!, 'delivery'))}; ${fmtMs(de.ours)}`,
        baseline: `${fmtMs(p50(b!, 'delivery'))}; ${fmtMs(de.base)}`,
        ratio: de.ratio,
        spread: de.spread,
        target: `p99 ≤ ${TARGET_MS} ms`,
        met: de.ours <= TARGET_MS,
      },
    ];
  } finally {
    await pool.stop();
    await ours.child.stop();
    await aedes.child.stop();
    await bare.child.stop();
  }
}
