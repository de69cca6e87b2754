/**
 * Reads a `node --cpu-prof` profile and prints the functions with the most self time, then the
 * project's own functions (src/) by total time (self and callees). `npm run bench -- NAME --profile`
 * writes our server's profiles to bench/profiles/.
 * Usage: npx tsx bench/lib/cpuprofile.ts FILE.cpuprofile|FOLDER [TOP=25] (a folder: its main-thread profile)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [arg, topRaw] = process.argv.slice(2);
if (!arg) {
  console.error('usage: tsx bench/lib/cpuprofile.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
const file = statSync(arg).isDirectory() ? join(arg, readdirSync(arg).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? '') : arg;
const top = Number(topRaw ?? 25);
/** ALL=1: total time of every function, not only the project's. */
const all = process.env.ALL === '1';
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);

const selfUs = new Map<number, number>();
let total = 0;
let idle = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  if (byId.get(id)!.callFrame.functionName === '(idle)') {
    idle += dt;
    return;
  }
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
});

const short = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '~/')
    .replace(/^.*?\/(src|bench)\//, '$1/');
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
for (const [id, us] of selfUs) {
  const k = label(byId.get(id)!);
  self.set(k, (self.get(k) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s busy (${(idle / 1e6).toFixed(2)} s idle); shares of busy time\n\nself time:`);
for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);

// Total time of src/ functions: each sample counts once for every distinct src/ frame on its stack.
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
    const n = byId.get(cur)!;
    if (!all && !/\/src\//.test(n.callFrame.url)) continue;
    const k = label(n);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
console.log(`\ntotal time of ${all ? 'all' : 'src/'} functions:`);
for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
