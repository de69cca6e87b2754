import type { RouteOptions } from 'fastify';
import { isBusy } from '../core/errors.js';

const FIRST_RETRY_MS = 5;
const MAX_RETRY_MS = 250;

/**
 * Writes that do not go through the group commit (creating a feed, a dashboard, a token...) meet a
 * database another process holds locked (the account command, a backup) as SQLITE_BUSY at their
 * first statement, before anything is written: the handler is run again, without blocking the event
 * loop, until the lock goes or `waitMs` has passed (then the error handler answers 503 with
 * Retry-After). Reads never wait: they are not blocked by a writer in WAL mode.
 */
export function waitOutBusyDatabase(route: RouteOptions, waitMs: number): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  if (!methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH' || m === 'DELETE')) return;
  const handler = route.handler;
  route.handler = async function (this: unknown, req, reply) {
    const started = Date.now();
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(MAX_RETRY_MS, delay * 2)) {
      try {
        return await handler.call(this as never, req, reply);
      } catch (err) {
        if (!isBusy(err) || reply.sent || Date.now() - started + delay > waitMs) throw err;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}
