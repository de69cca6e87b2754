/**
 * memory: resident set size of the server process (VmRSS from /proc/PID/status) with 5,000 connected
 * MQTT clients holding 2 subscriptions each, ours on a database of 1,000,000 stored points, against
 * bare Aedes with the same clients (a fresh server per round, alternating), and each side's idle RSS.
 * The clients are opened from a separate process in batches of 250.
 * Targets (issue 19): ours ≤ 1.2× bare Aedes and ≤ 300 MB; idle ≤ 1.1× bare Aedes idle.
 */
import { join } from 'node:path';
import { KEY, USER, judged, sleep, type Ctx, type Row } from '../lib/common.js';
import { alternate, startBareAedes, startOurs, type Started } from '../lib/harness.js';
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
  // A fresh server per round, the two alternating: both hold the same clients the same way.
  let n = 0;
  const [ours, base] = await alternate(ctx, [
    async () => measure(ctx, 'ours', await startOurs(ctx, copyDb(big, join(ctx.tmp, `memory-ours-${++n}.sqlite`)), 'memory')),
    async () => measure(ctx, 'bare aedes', await startBareAedes()),
  ]);
  const j = judged(
    ours!.map((r) => r.rssMb),
    base!.map((r) => r.rssMb),
  );
  const idle = judged(
    ours!.map((r) => r.idleMb),
    base!.map((r) => r.idleMb),
  );
  return [
    {
      scenario: 'memory, 5,000 MQTT clients × 2 subscriptions (RSS)',
      ours: `${j.ours.toFixed(0)} MB`,
      baseline: `${j.base.toFixed(0)} MB`,
      ratio: j.ratio,
      spread: j.spread,
      target: '≤ 1.2× and ≤ 300 MB',
      met: j.ratio <= 1.2 && j.ours <= 300,
      data: { ours, baseline: base },
    },
    {
      scenario: 'memory, idle (RSS)',
      ours: `${idle.ours.toFixed(0)} MB`,
      baseline: `${idle.base.toFixed(0)} MB`,
      ratio: idle.ratio,
      spread: idle.spread,
      target: '≤ 1.1×',
      met: idle.ratio <= 1.1,
    },
  ];
}
