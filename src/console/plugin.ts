import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../core/core.js';
import { ASSETS_DIR, importMapHash, readVendor, VENDOR_FILES } from './assets-dir.js';
import { eventRoutes } from './events.js';
import { securityHeaders } from './headers.js';
import { buildOpenApi } from './openapi/build.js';
import { sessionRoutes } from './session-routes.js';

export interface ConsoleOptions {
  core: Core;
  /** SSE heartbeat (and session re-check) interval; tests shorten it. */
  heartbeatMs?: number;
}

/**
 * The web console door: pages and their modules at `/`, preact/htm/uPlot at `/vendor/`, the session
 * routes and the event stream under `/console/`. Every response here carries the console's CSP.
 */
export async function consolePlugin(app: FastifyInstance, opts: ConsoleOptions) {
  const headers = securityHeaders(importMapHash());
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.headers(headers);
    done(null, payload);
  });

  // One route per file found at start (no catch-all): unknown paths keep the API's JSON 404.
  await app.register(fastifyStatic, { root: ASSETS_DIR, prefix: '/', wildcard: false, index: 'index.html', cacheControl: true, maxAge: 0 });

  for (const [name, file] of Object.entries(VENDOR_FILES)) {
    // Read once: these only change with an npm install, which restarts the server anyway.
    const body = readVendor(name);
    app.get(`/vendor/${name}`, async (_req, reply) =>
      reply.type(`${file.type}; charset=utf-8`).header('cache-control', 'public, max-age=86400').send(body),
    );
  }

  // `/api/docs/v2.json`: the URL normaliser drops `.json`, so the route is registered without it.
  const openApi = JSON.stringify(buildOpenApi());
  app.get('/api/docs/v2', async (_req, reply) => reply.type('application/json; charset=utf-8').send(openApi));

  await app.register(sessionRoutes, { core: opts.core });
  await app.register(eventRoutes, { core: opts.core, headers, heartbeatMs: opts.heartbeatMs });
}
