// `npm run build`: the server (src/main.ts) and the account command (src/cli.ts) bundled by esbuild into
// dist/main.js and dist/cli.js, with the code they share in dist/chunks/. One file instead of several
// hundred modules to resolve and compile is most of the start time saved (README, Performance). Types are
// checked by `npm run typecheck` (tsc), not here. The options (what stays in node_modules and why) are in
// build-options.mjs.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serverBuildOptions } from './build-options.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Another folder may be named (the build's test writes its own); it must sit inside the package, whose
// package.json the bundle looks for to find the migrations and the console's assets.
const outdir = resolve(root, process.argv[2] ?? 'dist');

rmSync(outdir, { recursive: true, force: true });
await build({
  ...serverBuildOptions,
  absWorkingDir: root,
  entryPoints: ['src/main.ts', 'src/cli.ts'],
  outdir,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
