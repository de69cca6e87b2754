// `npm run build`: the server (src/main.ts) and the account command (src/cli.ts) bundled by esbuild into
// dist/main.js and dist/cli.js, with the code they share in dist/chunks/. One file instead of several
// hundred modules to resolve and compile is most of the start time saved (README, Performance). Types are
// checked by `npm run typecheck` (tsc), not here. Packages stay in node_modules when they are native
// (better-sqlite3), load files of their own at run time (pino's transport worker, pino-pretty), are
// loaded on first use (ws, nodemailer, prom-client, Fastify's schema compilers), or are also required at run time by our code, which
// must get the same copy (aedes-packet, aedes-persistence).
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Another folder may be named (the build's test writes its own); it must sit inside the package, whose
// package.json the bundle looks for to find the migrations and the console's assets.
const outdir = resolve(root, process.argv[2] ?? 'dist');

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts', 'src/cli.ts'],
  outdir,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Without comments and blank space the source V8 keeps in memory is a third of the size, and
  // one-byte (a single non-ASCII character in a comment makes it two bytes a character).
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'external',
  logLevel: 'warning',
  external: [
    'better-sqlite3',
    'pino',
    'pino-pretty',
    'thread-stream',
    'ws',
    'nodemailer',
    'prom-client',
    'aedes-packet',
    'aedes-persistence',
    // Fastify's schema compilers, which src/http/lazy-schema.ts loads on first use (none at start).
    '@fastify/ajv-compiler',
    '@fastify/fast-json-stringify-compiler',
  ],
  // CommonJS packages inside an ES module bundle still call require() (node's built-ins, the packages
  // above) and may read __dirname: give them both.
  banner: {
    js: [
      "import { createRequire as __aioCreateRequire } from 'node:module';",
      "import { fileURLToPath as __aioFileURLToPath } from 'node:url';",
      'const require = __aioCreateRequire(import.meta.url);',
      'const __filename = __aioFileURLToPath(import.meta.url);',
      "const __dirname = __aioFileURLToPath(new URL('.', import.meta.url));",
    ].join('\n'),
  },
});
