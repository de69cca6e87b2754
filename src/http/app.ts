import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ControlOptions } from '../core/control.js';
import { consoleCredentials } from '../console/credentials.js';
import { consolePlugin } from '../console/plugin.js';
import type { Core } from '../core/core.js';
import { AioError, INVALID_URL_TEXT, storageRefusal } from '../core/errors.js';
import { createLogger, type Logger } from '../log.js';
import { authenticate } from './auth.js';
import { waitOutBusyDatabase } from './busy.js';
import { capConnections, serverOptions } from './connections.js';
import { installControlHooks } from './control-hooks.js';
import { lazySchemaCompilers } from './lazy-schema.js';
import { bodyLimitFor, bodyLimits } from './limits.js';
import { checkQuery, registerBodyParsers, UNSUPPORTED_TYPE_TEXT } from './parsers.js';
import { redactUrl } from './redact.js';
import { actionRoutes } from './routes/actions.js';
import { activityRoutes } from './routes/activities.js';
import { dashboardRoutes } from './routes/dashboards.js';
import { chartRoutes } from './routes/chart.js';
import { dataRoutes } from './routes/data.js';
import { feedRoutes } from './routes/feeds.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { permissionRoutes } from './routes/permissions.js';
import { integrationRoutes } from './routes/integrations.js';
import { timeRoutes } from './routes/time.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/user.js';
import { webhookRoutes } from './routes/webhooks.js';

const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-credentials': 'false',
  'access-control-request-method': '*',
  'access-control-allow-methods': 'POST, PUT, DELETE, GET, OPTIONS, PATCH',
  'access-control-allow-headers': 'DNT, Origin, X-Requested-With, X-AIO-Key, Content-Type, Accept, Authorization',
  'access-control-expose-headers': 'X-Pagination-Limit, X-Pagination-Start, X-Pagination-End, X-Pagination-Count, X-Pagination-Total',
  'access-control-max-age': '1728000',
};

const BAD_URL_TEXT = 'bad request - the URL path has a %-escape that is malformed or not UTF-8';

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

export interface RegisteredRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, in order (HEAD twins of GET routes included). */
    registeredRoutes: RegisteredRoute[];
  }
}

export interface AppOptions {
  /** The process's logger (src/log.ts); without it, one is made from logLevel and logStream. */
  logger?: Logger;
  logLevel?: string;
  /** Where log lines go (stdout by default); tests read them. */
  logStream?: { write(line: string): void };
  /** Set when the test control plane is on (src/server.ts); absent, nothing of it is installed. */
  control?: ControlOptions;
  /** Web console SSE heartbeat in ms (tests shorten it). */
  consoleHeartbeatMs?: number;
}

export async function buildApp(core: Core, opts: AppOptions = {}): Promise<FastifyInstance> {
  const limits = core.config.http;
  const logger = opts.logger ?? createLogger({ level: opts.logLevel ?? core.config.logLevel, stream: opts.logStream, pretty: false });
  const app = Fastify({
    loggerInstance: (logger as unknown as FastifyBaseLogger).child(
      { door: 'http' },
      {
        level: opts.logLevel ?? logger.level,
        // Client text reaches log lines only inside fields, which pino escapes (no forged lines); never
        // headers (keys), and never the raw bytes node keeps on a client error.
        serializers: {
          req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url) }),
          err: (err: Error & { code?: string }) => ({ type: err.name, message: err.message, code: err.code, stack: err.stack ?? '' }),
        },
      },
    ),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: serverOptions(limits),
    rewriteUrl: (req) => normalizeUrl(req.url ?? '/'),
    routerOptions: { maxParamLength: 1024 },
    schemaController: lazySchemaCompilers,
    frameworkErrors: (err, _req, reply) => {
      const status = err.statusCode ?? 400;
      void (reply as FastifyReply)
        .code(status)
        .headers(CORS_HEADERS)
        .send({ error: err.code === 'FST_ERR_BAD_URL' ? BAD_URL_TEXT : `bad request - ${err.message}` });
    },
  });
  capConnections(app.server, limits);
  // Every route as registered, for the OpenAPI document's test (src/console/openapi.ts).
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method: String(method), url: route.url });
  });

  const sizes = bodyLimits(core.config);
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimitFor(route.url ?? '', sizes);
  });
  await registerBodyParsers(app, limits);
  // The query parser keeps escapes it cannot decode as text; ones that spell invalid UTF-8 are refused.
  app.addHook('onRequest', (req, _reply, done) => {
    const q = req.url.indexOf('?');
    if (q !== -1 && req.url.includes('%', q)) {
      try {
        checkQuery(req.url.slice(q + 1));
      } catch (err) {
        return done(err as Error);
      }
    }
    done();
  });

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

  // Test control plane: fault rules and the traffic journal, only when it is on (control-hooks.ts).
  if (opts.control?.faults || opts.control?.journal) installControlHooks(app, opts.control);

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
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ error: `request entity too large - this route takes bodies of at most ${req.routeOptions.bodyLimit} bytes` });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(415).send({ error: UNSUPPORTED_TYPE_TEXT });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err: { message: err.message, code: err.code }, url: redactUrl(req.url) }, 'request failed');
      return reply.code(status).send({ error: 'internal server error - the request could not be completed' });
    }
    return reply.code(status).send({ error: `bad request - ${err.message}` });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: INVALID_URL_TEXT }));

  await app.register(healthRoutes, { controlPlane: opts.control !== undefined });
  await app.register(metricsRoutes, { core });
  await app.register(
    async (api) => {
      api.decorateRequest('user', null as never);
      api.decorateRequest('actor', null);
      api.addHook('preHandler', authenticate(core, consoleCredentials(core)));
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
      await api.register(actionRoutes, { core });
      await api.register(permissionRoutes, { core });
      await api.register(integrationRoutes, { core });
    },
    { prefix: '/api/v2' },
  );
  await app.register(consolePlugin, { core, heartbeatMs: opts.consoleHeartbeatMs });
  return app;
}

export type Reply = FastifyReply;
