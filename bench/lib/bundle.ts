/**
 * The servers under test (ours and the bare baselines) run as esbuild bundles with plain `node`, built
 * with the options `npm run build` ships (scripts/build-options.mjs): what is measured is what users
 * run, and neither side carries tsx's loader or a tree of transformed sources in its memory. Each is
 * built once per bench run into bench/.build/ (inside the package: our server finds its migrations and
 * console assets from the package.json above it).
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverBuildOptions } from '../../scripts/build-options.mjs';

const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(BENCH, '.build');
const built = new Map<string, string>();

/** The bundled file for `bench/<script>` (a .ts server script), built on first use in this process. */
export function bundled(script: string): string {
  let out = built.get(script);
  if (out) return out;
  mkdirSync(OUT, { recursive: true });
  // Required here, not imported: the server scripts import procs.ts (for `parent`), and their bundles
  // must not carry esbuild.
  const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  out = join(OUT, `${basename(dirname(script))}-${basename(script, '.ts')}.mjs`);
  buildSync({ ...serverBuildOptions, entryPoints: [join(BENCH, script)], outfile: out });
  built.set(script, out);
  return out;
}
