/**
 * control-cost: what the test control plane (issue #18) costs the doors. Three servers on copies of
 * one database, measured runs alternating between them:
 *   never  the environment names no control setting at all;
 *   off    AIO_CONTROL_KEY set but no AIO_CONTROL_PORT: the control plane is off, so no hook is
 *          installed and it must run the very code `never` runs (target: off/never ≥ 0.98);
 *   on     AIO_CONTROL_PORT set: every request and MQTT packet goes through the control hooks and
 *          into the journal, no fault rule (target: on/off ≥ 0.9).
 * Loads: http-ingest (POST one point per request, 50 connections) and MQTT QoS 1 ingest (10 clients,
 * points stored per second counted in the database, as in mqtt-ingest).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KEY, USER, fmtRate, mean, sleep, type Ctx, type Row } from '../lib/common.js';
import { alternate, httpLoad, startOurs, type Started } from '../lib/harness.js';
import { runLoad } from '../lib/procs.js';
import { copyDb, seedDb } from '../lib/seed.js';

const SIDES = ['never', 'off', 'on'] as const;
type Side = (typeof SIDES)[number];

const ENV: Record<Side, Record<string, string>> = {
  never: {},
  off: { AIO_CONTROL_KEY: 'bench-control-key-0123456789' },
  on: { AIO_CONTROL_PORT: '0', AIO_CONTROL_KEY: 'bench-control-key-0123456789' },
};

function ratioRow(scenario: string, unit: string, num: number, den: number, min: number, data: unknown): Row {
  const ratio = num / den;
  return {
    scenario,
    ours: fmtRate(num, unit),
    baseline: fmtRate(den, unit),
    ratio,
    target: `≥ ${min}`,
    met: ratio >= min,
    data: { runs: data },
  };
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'control-cost.sqlite'), 0);
  const started: Partial<Record<Side, Started>> = {};
  const dbs: Partial<Record<Side, Database.Database>> = {};
  try {
    for (const side of SIDES) {
      const db = copyDb(seeded, join(ctx.tmp, `control-cost-${side}.sqlite`));
      started[side] = await startOurs(ctx, db, `control-${side}`, ENV[side]);
      dbs[side] = new Database(db.path, { readonly: true });
    }
    const rows: Row[] = [];

    // HTTP ingest.
    const body = JSON.stringify({ value: '42.5' });
    const req = { method: 'POST' as const, path: `/api/v2/${USER}/feeds/bench/data`, body };
    for (const side of SIDES) await httpLoad(started[side]!.http!, req, { connections: 50, duration: 3 });
    const http = await alternate(
      ctx,
      SIDES.map((side) => () => httpLoad(started[side]!.http!, req, { connections: 50, duration: ctx.duration })),
    );
    const rps = Object.fromEntries(SIDES.map((s, i) => [s, mean(http[i]!.map((r) => r.rps))])) as Record<Side, number>;
    ctx.log(`  http-ingest: ${SIDES.map((s, i) => `${s} ${http[i]!.map((r) => Math.round(r.rps)).join(', ')}`).join('; ')} req/s`);
    rows.push(ratioRow('control-cost http-ingest: journal on ÷ control off', 'req/s', rps.on, rps.off, 0.9, { on: http[2], off: http[1] }));
    rows.push(
      ratioRow('control-cost http-ingest: control off ÷ never configured', 'req/s', rps.off, rps.never, 0.98, {
        off: http[1],
        never: http[0],
      }),
    );

    // MQTT QoS 1 ingest.
    let runNo = 0;
    const mqttRun = (side: Side) => async () => {
      const tag = `c${side}${++runNo}-`;
      const counted = dbs[side]!.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM data d JOIN feeds f ON f.id = d.feed_id WHERE f.key LIKE ?',
      );
      const r = await runLoad<{ sent: number; elapsedMs: number }>('load/mqtt-publish.ts', {
        port: started[side]!.mqtt!,
        username: USER,
        password: KEY,
        clients: 10,
        qos: 1,
        duration: ctx.duration,
        topicPrefix: `${USER}/feeds/${tag}`,
      });
      let n = counted.get(`${tag}%`)!.n;
      for (;;) {
        await sleep(300);
        const next = counted.get(`${tag}%`)!.n;
        if (next === n) break;
        n = next;
      }
      if (n !== r.sent) throw new Error(`${side}: ${r.sent} sent, ${n} stored`);
      return n / (r.elapsedMs / 1000);
    };
    const mqtt = await alternate(
      ctx,
      SIDES.map((side) => mqttRun(side)),
    );
    const pps = Object.fromEntries(SIDES.map((s, i) => [s, mean(mqtt[i]!)])) as Record<Side, number>;
    ctx.log(`  mqtt QoS 1 ingest: ${SIDES.map((s, i) => `${s} ${mqtt[i]!.map((x) => Math.round(x)).join(', ')}`).join('; ')} points/s`);
    rows.push(
      ratioRow('control-cost mqtt QoS 1 ingest: journal on ÷ control off', 'points/s', pps.on, pps.off, 0.9, { on: mqtt[2], off: mqtt[1] }),
    );
    rows.push(
      ratioRow('control-cost mqtt QoS 1 ingest: control off ÷ never configured', 'points/s', pps.off, pps.never, 0.98, {
        off: mqtt[1],
        never: mqtt[0],
      }),
    );
    return rows;
  } finally {
    for (const db of Object.values(dbs)) db.close();
    for (const s of Object.values(started)) await s.child.stop();
  }
}
