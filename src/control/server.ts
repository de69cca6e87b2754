// The test control plane's door (issue #18): its own Fastify instance on its own listener, off
// unless AIO_CONTROL_PORT is set. Every call carries `Authorization: Bearer <AIO_CONTROL_KEY>`;
// every error is `{"error": ...}`. The routes only call the core; they never touch SQL.

import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ControlOptions } from '../core/control.js';
import type { Core } from '../core/core.js';
import { AioError } from '../core/errors.js';
import { accountRoutes } from './routes/accounts.js';
import { clockRoutes } from './routes/clock.js';
import { faultRoutes } from './routes/faults.js';
import { journalRoutes } from './routes/journal.js';
import { resetRoutes } from './routes/reset.js';
import type { ControlRouteOptions } from './route-options.js';

export interface ControlAppOptions {
  key: string;
  control: ControlOptions;
  /** Fixtures and exports are bigger than any API body. */
  bodyLimit?: number;
}

const UNAUTHORIZED = 'unauthorized - send Authorization: Bearer <AIO_CONTROL_KEY>';

/** Compares digests so neither the key's length nor its content leaks through timing. */
function keyMatcher(key: string): (given: string) => boolean {
  const want = createHash('sha256').update(key).digest();
  return (given) => timingSafeEqual(createHash('sha256').update(given).digest(), want);
}

export async function buildControlApp(core: Core, opts: ControlAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 64 * 1024 * 1024 });
  const matches = keyMatcher(opts.key);

  // An empty body is `{}`: `POST /_aio/reset` with nothing to say is the common call.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new AioError(400, 'bad request - the body is not valid JSON'), undefined);
    }
  });

  app.addHook('onRequest', (req, reply, done) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m || !matches(m[1]!.trim())) {
      void reply.code(401).send({ error: UNAUTHORIZED });
      return;
    }
    done();
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof AioError) return reply.code(err.status).send({ error: err.message });
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ error: 'request entity too large' });
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ error: 'unsupported media type - send application/json' });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) core.events.emit('error', { source: 'control plane', err });
    return reply.code(status).send({ error: status === 500 ? `internal error - ${err.message}` : `bad request - ${err.message}` });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `not found - no control call ${req.method} ${req.url.split('?')[0]}` }),
  );

  const routes: ControlRouteOptions = { core, control: opts.control };
  await app.register(clockRoutes, routes);
  await app.register(faultRoutes, routes);
  await app.register(journalRoutes, routes);
  await app.register(resetRoutes, routes);
  await app.register(accountRoutes, routes);
  return app;
}
