// esbuild's options for the server, shared by `npm run build` (scripts/build.mjs) and the benchmarks'
// server processes (bench/lib/bundle.ts), so that what is measured is built the way it is shipped.
// Packages stay in node_modules when they are native (better-sqlite3), load files of their own at run
// time (pino's transport worker, pino-pretty), are loaded on first use (ws, nodemailer, prom-client,
// Fastify's schema compilers), or are also required at run time by our code, which must get the same
// copy (aedes-packet, aedes-persistence).
export const serverBuildOptions = {
  bundle: true,
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
};
