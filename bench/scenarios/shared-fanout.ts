/**
 * shared-fanout: an HTTP POST of a data point by the owner until each of 100 MQTT subscribers of its
 * feed topic has it, the subscribers logged in as another account the feed is shared with (`r`),
 * against the same 100 subscribers logged in as the owner, on the same server, runs alternating.
 * A grantee's subscription sits in the owner's namespace of the index and is served by the same
 * fan-out, so the two should cost the same. Target: grantee p50 ≤ 1.2× owner p50.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { Core } from '../../src/core/core.js';
import { closeDb, openDb } from '../../src/db/open.js';
import { KEY, USER, fmtMs, judged, median, type Ctx, type Row } from '../lib/common.js';
import { alternate, startOurs } from '../lib/harness.js';
import { runLoad } from '../lib/procs.js';
import { seedDb } from '../lib/seed.js';

interface FanResult {
  p50: number;
  p99: number;
  deliveries: number;
  missing: number;
}

const GRANTEE = 'bench-grantee';
const GRANTEE_KEY = 'bench-grantee-key-0123456789';
const SUBSCRIBERS = 100;
const MESSAGES = 100;

/** The seeded database plus a second account the owner's feed `bench` is shared with for reading. */
function shareDb(path: string): void {
  const db = openDb(path);
  const core = new Core(db, { ...loadConfig({}), dbPath: path, logLevel: 'silent', rateLimit: 0 });
  try {
    core.accounts.add(GRANTEE, GRANTEE_KEY);
    const owner = core.accounts.find(USER)!;
    core.permissions.create(
      owner,
      { model: 'feed', id: core.feeds.resolve(owner, 'bench').id },
      { scope: 'user', scope_value: GRANTEE, mode: 'r' },
    );
  } finally {
    core.stop();
    closeDb(db);
  }
}

export async function run(ctx: Ctx): Promise<Row[]> {
  const seeded = seedDb(join(ctx.tmp, 'shared-fanout.sqlite'), 100);
  shareDb(seeded.path);
  const ours = await startOurs(ctx, seeded, 'shared-fanout');
  const common = {
    topic: `${USER}/feeds/bench`,
    warmup: 10,
    subscribers: SUBSCRIBERS,
    messages: MESSAGES,
    trigger: 'http',
    mqttPort: ours.mqtt,
    httpPort: ours.http,
    httpPath: `/api/v2/${USER}/feeds/bench/data`,
    headers: { 'x-aio-key': KEY },
  };
  const check = (r: FanResult, what: string) => {
    if (r.missing > 0) throw new Error(`${what}: ${r.missing} deliveries missing`);
    return r;
  };
  try {
    const [owner, grantee] = await alternate(ctx, [
      async () => check(await runLoad<FanResult>('load/fanout.ts', { ...common, username: USER, password: KEY }), 'owner subscribers'),
      async () =>
        check(await runLoad<FanResult>('load/fanout.ts', { ...common, username: GRANTEE, password: GRANTEE_KEY }), 'grantee subscribers'),
    ]);
    const j = judged(
      grantee!.map((r) => r.p50),
      owner!.map((r) => r.p50),
    );
    const ownerP50 = j.base;
    const granteeP50 = j.ours;
    ctx.log(
      `  ${SUBSCRIBERS} subscribers: grantee p50 ${grantee!.map((r) => r.p50.toFixed(2)).join(', ')} p99 ${grantee!.map((r) => r.p99.toFixed(2)).join(', ')} ms; ` +
        `owner p50 ${owner!.map((r) => r.p50.toFixed(2)).join(', ')} p99 ${owner!.map((r) => r.p99.toFixed(2)).join(', ')} ms`,
    );
    const ratio = j.ratio;
    return [
      {
        scenario: `shared-fanout, ${SUBSCRIBERS} grantee vs ${SUBSCRIBERS} owner subscribers (p50; p99)`,
        ours: `${fmtMs(granteeP50)}; ${fmtMs(median(grantee!.map((r) => r.p99)))}`,
        baseline: `${fmtMs(ownerP50)}; ${fmtMs(median(owner!.map((r) => r.p99)))}`,
        ratio,
        target: 'p50 ≤ 1.2×',
        met: ratio <= 1.2,
        spread: j.spread,
        data: { grantee, owner },
      },
    ];
  } finally {
    await ours.child.stop();
  }
}
