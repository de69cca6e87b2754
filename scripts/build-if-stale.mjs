// `npm start` runs the compiled server: build it first when dist/ is missing or older than src/.
// A full check is a walk of src/ (a few ms); tsc runs only when something changed.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.tsbuildinfo');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

let built = 0;
try {
  built = statSync(stamp).mtimeMs;
  statSync(join(root, 'dist', 'main.js'));
} catch {
  built = 0;
}
const sources = Math.max(
  newest(join(root, 'src')),
  statSync(join(root, 'tsconfig.json')).mtimeMs,
  statSync(join(root, 'tsconfig.build.json')).mtimeMs,
);
if (built < sources) {
  process.stderr.write('aio-local: compiling src/ to dist/ ...\n');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  // tsc leaves its build info untouched when nothing it emits changed: mark this check as done.
  const now = new Date();
  utimesSync(stamp, now, now);
}
