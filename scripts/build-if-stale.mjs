// `npm start` runs the built server: build it first when dist/ is missing or older than what it is
// built from. A full check is a walk of src/ (a few ms); the build (scripts/build.mjs, about a second)
// runs only when something changed.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
  built = Math.min(statSync(join(root, 'dist', 'main.js')).mtimeMs, statSync(join(root, 'dist', 'cli.js')).mtimeMs);
} catch {
  built = 0;
}
const sources = Math.max(
  newest(join(root, 'src')),
  statSync(join(root, 'scripts', 'build.mjs')).mtimeMs,
  statSync(join(root, 'scripts', 'build-options.mjs')).mtimeMs,
  statSync(join(root, 'package-lock.json')).mtimeMs,
);
if (built < sources) {
  process.stderr.write('aio-local: building dist/ from src/ ...\n');
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
