/**
 * chart: runs bench/chart.ts (issue 5's chart benchmark) in its own process and takes its headline
 * figure: the median time of a 30-day chart (`hours=720`, automatic resolution) on a feed of
 * 1,000,000 points against one of 10,000. Target: big/small ≤ 2.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, type Ctx, type Row } from '../lib/common.js';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function run(ctx: Ctx): Promise<Row[]> {
  const out = await new Promise<string>((resolveOut, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(BENCH, 'chart.ts')], {
      cwd: resolve(BENCH, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (text += s));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveOut(text) : reject(new Error(`bench/chart.ts exited with ${code}`))));
  });
  const line = out.split('\n').find((l) => l.includes('hours=720 field=avg (auto)'));
  const m = line && /big ([\d.]+) ms .*small ([\d.]+) ms .*ratio ([\d.]+)/.exec(line);
  if (!m) throw new Error(`bench/chart.ts printed no 30-day chart line:\n${out}`);
  const [big, small] = [Number(m[1]), Number(m[2])];
  const writes = /write with\/without = ([\d.]+) and ([\d.]+)/.exec(out);
  ctx.log(`  ${line!.trim()}`);
  if (writes) ctx.log(`  single-point writes with/without rollups: ${writes[1]} (a point a second), ${writes[2]} (a point a minute)`);
  const ratio = big / small;
  return [
    {
      scenario: 'chart, 30 days (1,000,000 vs 10,000 points)',
      ours: fmtMs(big),
      baseline: fmtMs(small),
      ratio,
      target: '≤ 2',
      met: ratio <= 2,
      data: { bigMs: big, smallMs: small, writesWithWithout: writes ? [Number(writes[1]), Number(writes[2])] : undefined },
    },
  ];
}
