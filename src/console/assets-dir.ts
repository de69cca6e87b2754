import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/** The assets are served from the source tree (src/console), which the compiled server does not copy. */
const ROOT = PACKAGE_ROOT;

export const ASSETS_DIR = resolve(ROOT, 'src/console/assets');

/** Browser modules served under /vendor/ (the import map in index.html names them). */
export const VENDOR_FILES: Readonly<Record<string, { path: string; type: string }>> = {
  'preact.js': { path: 'node_modules/preact/dist/preact.mjs', type: 'text/javascript' },
  'preact-hooks.js': { path: 'node_modules/preact/hooks/dist/hooks.mjs', type: 'text/javascript' },
  'htm.js': { path: 'node_modules/htm/dist/htm.module.js', type: 'text/javascript' },
  'uplot.js': { path: 'node_modules/uplot/dist/uPlot.esm.js', type: 'text/javascript' },
  'uplot.css': { path: 'node_modules/uplot/dist/uPlot.min.css', type: 'text/css' },
};

export function readVendor(name: string): Buffer {
  return readFileSync(resolve(ROOT, VENDOR_FILES[name]!.path));
}

/** The CSP source of index.html's import map (the one inline script), read once at start. */
export function importMapHash(): string {
  const html = readFileSync(resolve(ASSETS_DIR, 'index.html'), 'utf8');
  const m = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('src/console/assets/index.html has no import map');
  return `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`;
}
