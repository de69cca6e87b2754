/**
 * many-devices: as many concurrent MQTT clients as one server process can hold, each subscribed to its
 * own feed (`bench/feeds/d<i>`), from four device processes on their own loopback source addresses.
 * How many: the hard open-file limit (`ulimit -Hn`, which a process cannot raise) less 2,000 of
 * headroom and 100 for the server's own files. Ours runs on the 1,000,000-point database with a feed
 * per device (seeded), its connection cap raised to fit (AIO_MQTT_MAX_CONNECTIONS); against bare Aedes
 * and Mosquitto (when installed) with the same clients. A fresh server per round; the three alternate.
 * Figures: the server's RSS growth per client (RSS with every client in, less the idle RSS) and the
 * connect rate (clients ÷ seconds until the last SUBACK). Target: ours ≤ 1.2× bare Aedes per client.
 * Prints what 100,000 clients would need from the per-client figures.
 */
import { join } from 'node:path';
import { KEY, USER, fmtInt, judged, median, sleep, type Ctx, type Row } from '../lib/common.js';
import { DevicePool } from '../lib/device-pool.js';
import { type Broker, asBroker, startBareAedes, startMosquitto, startOurs } from '../lib/harness.js';
import { fdLimits, openFds } from '../lib/procs.js';
import { copyDb, seedFeeds } from '../lib/seed.js';

const HEADROOM = 2000;
const SERVER_FILES = 100;
const PROCESSES = 4;

interface RunResult {
  clients: number;
  idleMb: number;
  rssMb: number;
  kbPerClient: number;
  connectSeconds: number;
  connectRate: number;
  fds: number;
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const { hard } = fdLimits();
  const clients = ctx.quick ? 2000 : Math.min(hard, 1_000_000) - HEADROOM - SERVER_FILES;
  if (!(clients > 0)) throw new Error(`the open-file limit (${hard}) leaves no room for clients`);
  ctx.log(`  ${fmtInt(clients)} clients (hard open-file limit ${hard}, less ${HEADROOM} headroom and ${SERVER_FILES} for the server)`);

  const big = await ctx.bigDb();
  const seeded = copyDb(big, join(ctx.tmp, 'devices.sqlite'));
  ctx.log(`  seeded ${fmtInt(clients)} device feeds in ${seedFeeds(seeded.path, 'd', clients).toFixed(1)} s`);

  const pool = new DevicePool(PROCESSES);
  await pool.ready();
  let serial = 0;
  const sides: Array<{ name: string; start: () => Promise<Broker | undefined>; runs: RunResult[] }> = [
    {
      name: 'ours',
      start: async () =>
        asBroker(
          'ours',
          await startOurs(ctx, copyDb(seeded, join(ctx.tmp, `devices-ours-${++serial}.sqlite`)), 'many-devices', {
            AIO_MQTT_MAX_CONNECTIONS: String(clients + 1000),
          }),
        ),
      runs: [],
    },
    { name: 'bare aedes', start: async () => asBroker('bare aedes', await startBareAedes()), runs: [] },
    { name: 'mosquitto', start: () => startMosquitto(ctx, String(++serial)), runs: [] },
  ];
  let mosquittoMissing = false;

  const measure = async (side: (typeof sides)[number]) => {
    const broker = await side.start();
    if (!broker) {
      mosquittoMissing = true;
      return;
    }
    const key = `${side.name.replace(/\W/g, '')}${++serial}`;
    try {
      await sleep(500);
      const idleMb = broker.rssMb();
      const opened = await pool.open(key, {
        port: broker.mqtt,
        count: clients,
        username: USER,
        password: KEY,
        topicPrefix: `${USER}/feeds/d`,
      });
      if (opened.connected !== clients) throw new Error(`${side.name}: ${opened.connected} of ${clients} connected`);
      await sleep(ctx.quick ? 500 : 1500);
      let rssMb = 0;
      for (let i = 0; i < 3; i++) {
        rssMb = Math.max(rssMb, broker.rssMb());
        await sleep(300);
      }
      const r: RunResult = {
        clients,
        idleMb,
        rssMb,
        kbPerClient: ((rssMb - idleMb) * 1024) / clients,
        connectSeconds: opened.seconds,
        connectRate: clients / opened.seconds,
        fds: openFds(broker.pid),
      };
      side.runs.push(r);
      ctx.log(
        `  ${side.name}: ${idleMb.toFixed(0)} MB idle, ${rssMb.toFixed(0)} MB with ${fmtInt(clients)} clients ` +
          `(${r.kbPerClient.toFixed(1)} kB each, ${r.fds} open files), connected in ${opened.seconds.toFixed(1)} s (${fmtInt(r.connectRate)}/s)`,
      );
      await pool.close(key);
    } finally {
      await broker.stop();
    }
  };

  try {
    for (let r = 0; r < ctx.rounds; r++) {
      const order = r % 2 ? [...sides].reverse() : sides;
      for (const side of order) if (!(side.name === 'mosquitto' && mosquittoMissing)) await measure(side);
    }
  } finally {
    await pool.stop();
  }

  const [ours, aedes, mosq] = sides.map((s) => s.runs);
  const per = judged(
    ours!.map((x) => x.kbPerClient),
    aedes!.map((x) => x.kbPerClient),
  );
  const rate = judged(
    ours!.map((x) => x.connectRate),
    aedes!.map((x) => x.connectRate),
  );
  const idle = median(ours!.map((x) => x.idleMb));
  const kb = per.ours;
  // 100,000 clients: a descriptor each on the server (and on the client side), the same headroom.
  const need = {
    fds: 100_000 + HEADROOM + SERVER_FILES,
    memoryMb: idle + (100_000 * kb) / 1024,
    aedesMemoryMb: median(aedes!.map((x) => x.idleMb)) + (100_000 * per.base) / 1024,
  };
  ctx.log(
    `  100,000 clients would need: an open-file limit of at least ${fmtInt(need.fds)} for the server (ulimit -n, ` +
      `LimitNOFILE), ${fmtInt(Math.ceil(100_000 / 28_000))}+ loopback or real source addresses on the client side ` +
      `(28,000 ephemeral ports each), and about ${fmtInt(need.memoryMb)} MB of RAM for ours (bare Aedes: ${fmtInt(need.aedesMemoryMb)} MB)`,
  );
  const rows: Row[] = [
    {
      scenario: `many-devices, ${fmtInt(clients)} MQTT clients × own feed (RSS per client)`,
      ours: `${kb.toFixed(1)} kB (${median(ours!.map((x) => x.rssMb)).toFixed(0)} MB)`,
      baseline: `${per.base.toFixed(1)} kB (${median(aedes!.map((x) => x.rssMb)).toFixed(0)} MB)`,
      ratio: per.ratio,
      spread: per.spread,
      target: '≤ 1.2× bare Aedes',
      met: per.ratio <= 1.2,
      data: { ours, aedes, mosquitto: mosq, need100k: need },
    },
    {
      scenario: `many-devices connect rate (CONNECT + SUBSCRIBE, ${PROCESSES} client processes)`,
      ours: `${fmtInt(rate.ours)} clients/s`,
      baseline: `${fmtInt(rate.base)} clients/s`,
      ratio: rate.ratio,
      spread: rate.spread,
      target: 'reported',
      met: true,
    },
  ];
  if (mosquittoMissing) {
    ctx.log(`  mosquitto: not installed (${'/usr/sbin/mosquitto'}), its comparison skipped`);
  } else {
    const vs = judged(
      ours!.map((x) => x.kbPerClient),
      mosq!.map((x) => x.kbPerClient),
    );
    rows.push({
      scenario: 'many-devices vs Mosquitto (RSS per client)',
      ours: `${kb.toFixed(1)} kB`,
      baseline: `${vs.base.toFixed(1)} kB (mosquitto)`,
      ratio: vs.ratio,
      spread: vs.spread,
      target: 'reported',
      met: true,
    });
  }
  return rows;
}
