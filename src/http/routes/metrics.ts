import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Core } from '../../core/core.js';
import { unauthorized } from '../../core/errors.js';

const NO_TOKEN_TEXT = 'not authorized - /metrics needs the header Authorization: Bearer <AIO_METRICS_TOKEN>';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * `GET /metrics` in Prometheus text format (core/metrics.ts), for the bearer of AIO_METRICS_TOKEN only.
 * Without the token configured there is no route (the 404 of any unknown path).
 */
export async function metricsRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const metrics = core.metrics;
  const token = core.config.metricsToken;
  if (!metrics || !token) return;
  // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
  const wanted = digest(token);
  app.get('/metrics', async (req, reply) => {
    const header = req.headers.authorization;
    const given = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!given || !timingSafeEqual(digest(given), wanted)) throw unauthorized(NO_TOKEN_TEXT);
    const text = await metrics.text();
    return reply.type(metrics.contentType).send(text);
  });
}
