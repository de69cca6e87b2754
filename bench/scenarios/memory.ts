/**
 * memory: resident set size of the server process (VmRSS from /proc/PID/status) with 5,000 connected
 * MQTT clients holding 2 subscriptions each, ours on a database of 1,000,000 stored points, against
 * bare Aedes with the same clients. The clients are opened from a separate process in batches of 250.
 * Also each server's RSS idle (started, settled, no client yet). Targets (issue 19): with the clients
 * ours ≤ 1.2× bare Aedes and ≤ 300 MB; idle ≤ 1.1× bare Aedes idle.
 */
import { join } from 'node:path';
import { KEY, USER, sleep, type Ctx, type Row } from '../lib/common.js';
import { startBareAedes, startOurs, type Started } from '../lib/harness.js';
import { spawnChild } from '../lib/procs.js';
import { copyDb } from '../lib/seed.js';

const CLIENTS = 5000;

async function measure(ctx: Ctx, label: string, server: Started): Promise<{ idleMb: number; rssMb: number; connectSeconds: number }> {
  try {
    // Settled: the start's transient allocations (migrations, module compilation) given time to go.
    await sleep(2000);
    const idleMb = server.child.rssMb();
    const load = spawnChild('load/clients.ts', {
      args: [JSON.stringify({ port: server.mqtt, username: USER, password: KEY, clients: CLIENTS, batch: 250 })],
    });
    try {
      const ready = await load.next<{ type: 'ready'; connected: number; seconds: number }>('ready', 240_000);
      await sleep(2000);
      let rssMb = 0;
      for (let i = 0; i < 4; i++) {
        rssMb = Math.max(rssMb, server.child.rssMb());
        await sleep(500);
      }
      ctx.log(
        `  ${label}: ${idleMb.toFixed(0)} MB idle, ${rssMb.toFixed(0)} MB with ${ready.connected} clients (connected in ${ready.seconds.toFixed(1)} s)`,
      );
      return { idleMb, rssMb, connectSeconds: ready.seconds };
    } finally {
      await load.stop(60_000);
    }
  } finally {
    await server.child.stop();
  }
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const big = await ctx.bigDb();
  // One run each, ours first then the baseline: both hold the same clients the same way.
  const ours = await measure(ctx, 'ours', await startOurs(ctx, copyDb(big, join(ctx.tmp, 'memory-ours.sqlite')), 'memory'));
  const base = await measure(ctx, 'bare aedes', await startBareAedes());
  const ratio = ours.rssMb / base.rssMb;
  const idleRatio = ours.idleMb / base.idleMb;
  return [
    {
      scenario: 'memory, 5,000 MQTT clients × 2 subscriptions (RSS)',
      ours: `${ours.rssMb.toFixed(0)} MB`,
      baseline: `${base.rssMb.toFixed(0)} MB`,
      ratio,
      target: '≤ 1.2× and ≤ 300 MB',
      met: ratio <= 1.2 && ours.rssMb <= 300,
      data: { ours, baseline: base },
    },
    {
      scenario: 'memory idle (RSS, started and settled, no clients)',
      ours: `${ours.idleMb.toFixed(0)} MB`,
      baseline: `${base.idleMb.toFixed(0)} MB`,
      ratio: idleRatio,
      target: '≤ 1.1×',
      met: idleRatio <= 1.1,
    },
  ];
}
