import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Core } from '../core/core.js';
import { AioError, INVALID_URL_TEXT, storageRefusal } from '../core/errors.js';
import { compact, parseJson, toJsKeepingValues } from '../core/json.js';
import { authenticate } from './auth.js';
import { waitOutBusyDatabase } from './busy.js';
import { redactUrl } from './redact.js';
import { activityRoutes } from './routes/activities.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { chartRoutes } from './routes/chart.js';
import { dataRoutes } from './routes/data.js';
import { feedRoutes } from './routes/feeds.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { timeRoutes } from './routes/time.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/user.js';
import { webhookRoutes } from './routes/webhooks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body text, kept for data posts whose JSON has no `value` (stored whole). */
    rawJson?: string;
  }
}

const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'false',
  'access-control-request-method': '*',
  'access-control-allow-methods': 'POST, PUT, DELETE, GET, OPTIONS, PATCH',
  'access-control-allow-headers': 'DNT, Origin, X-Requested-With, X-AIO-Key, Content-Type, Accept, Authorization',
  'access-control-expose-headers':
    'X-Pagination-Limit, X-Pagination-Start, X-Pagination-End, X-Pagination-Count, X-Pagination-Total',
  'access-control-max-age': '1728000',
};

/** Routes whose bodies carry data values (feed and group data, webhooks). */
const DATA_ROUTE = /\/data(\/|$)|\/webhooks\/feed\//;
/** A number JSON.parse would not give back as written: a fraction, an exponent, or 16+ digits. */
const RESPELLED_NUMBER = /\d[.eE]|\d{16}/;

/**
 * Clients send `//groups/x/feeds` (Python), `feeds/` and Rails' `.json` suffix; all reach the same
 * route without a redirect (a 301 on POST is replayed as GET by `requests`).
 */
export function normalizeUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  path = path.replace(/\/{2,}/g, '/');
  if (path.length > 1 && path.endsWith('/')) path = path.replace(/\/+$/, '') || '/';
  if (path.endsWith('.json')) path = path.slice(0, -5);
  return path + query;
}

export interface AppOptions {
  logLevel?: string;
}

export async function buildApp(core: Core, opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: opts.logLevel ?? core.config.logLevel,
      serializers: {
        req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url) }),
      },
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 16 * 1024 * 1024,
    rewriteUrl: (req) => normalizeUrl(req.url ?? '/'),
    routerOptions: { maxParamLength: 1024 },
  });

  // JSON bodies: an empty body is an empty object (DELETE with a JSON content type), bad JSON is a 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(/^application\/(.+\+)?json/, { parseAs: 'string' }, (req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, {});
    try {
      // Data values are stored as sent: where JSON.parse would respell a number (`40.0`, `1e3`, long
      // integers), data routes read the body with the parser that keeps number text.
      if (DATA_ROUTE.test(req.routeOptions.url ?? '') && RESPELLED_NUMBER.test(text)) {
        const node = parseJson(text);
        if (node === null) throw new SyntaxError('invalid JSON');
        req.rawJson = compact(node);
        return done(null, toJsKeepingValues(node));
      }
      const parsed: unknown = JSON.parse(text);
      req.rawJson = JSON.stringify(parsed);
      done(null, parsed);
    } catch (err) {
      done(err instanceof AioError ? err : new AioError(400, 'bad request - the request body is not valid JSON'), undefined);
    }
  });
  await app.register(formbody);
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 1024 * 1024 } });
  // Anything else (text/plain, octet-stream) arrives as text; routes that need fields see none.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Hot path: callback-style hooks (no promise per request), and the request log line only when the
  // level shows it (its arguments would be built for nothing otherwise).
  app.addHook('onSend', (_req, reply, payload, done) => {
    reply.headers(CORS_HEADERS);
    done(null, payload);
  });
  const level = opts.logLevel ?? core.config.logLevel;
  if (level === 'debug' || level === 'trace') {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.debug({ method: req.method, url: redactUrl(req.url), status: reply.statusCode, ms: reply.elapsedTime }, 'request');
      done();
    });
  }

  app.addHook('onRoute', (route) => waitOutBusyDatabase(route, core.config.dbBusyWaitMs));
  app.options('/*', async (_req, reply) => reply.code(204).send());

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const refusal = storageRefusal(err);
    if (refusal) {
      req.log.warn({ err: { message: err.message, code: err.code } }, 'storage refused a write');
      err = refusal;
    }
    if (err instanceof AioError) {
      if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
      return reply.code(err.status).send({ error: err.message });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err: { message: err.message, code: err.code }, url: redactUrl(req.url) }, 'request failed');
      return reply.code(status).send({ error: 'internal server error - the request could not be completed' });
    }
    return reply.code(status).send({ error: `bad request - ${err.message}` });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: INVALID_URL_TEXT }));

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      api.decorateRequest('user', null as never);
      api.addHook('preHandler', authenticate(core));
      await api.register(userRoutes, { core });
      await api.register(feedRoutes, { core });
      await api.register(groupRoutes, { core });
      await api.register(dataRoutes, { core });
      await api.register(timeRoutes, { core });
      await api.register(chartRoutes, { core });
      await api.register(dashboardRoutes, { core });
      await api.register(webhookRoutes, { core });
      await api.register(tokenRoutes, { core });
      await api.register(activityRoutes, { core });
    },
    { prefix: '/api/v2' },
  );
  return app;
}

export type Reply = FastifyReply;
