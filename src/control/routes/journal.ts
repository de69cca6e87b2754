// The traffic journal (issue #18): what an account's devices sent and were sent, with a `since`
// cursor, counts and waits. Unknown accounts are not an error: refused logins are journaled under
// the username they gave, which need not exist.

import type { FastifyInstance } from 'fastify';
import { AioError } from '../../core/errors.js';
import { type Journal, journalFilter } from '../../core/journal.js';
import { bodyObject, type ControlRouteOptions } from '../route-options.js';

const LIST_MAX = 10_000;
const DEFAULT_WAIT_MS = 10_000;

function whole(v: unknown, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new AioError(400, `bad request - ${field} must be a whole number from ${min} to ${max}`);
  }
  return n;
}

function filterOf(raw: unknown, label: string): Record<string, string> {
  try {
    return journalFilter(raw, label);
  } catch (err) {
    // The core names the field; the control API's errors all start alike.
    if (err instanceof AioError && err.status === 400) throw new AioError(400, `bad request - ${err.message}`);
    throw err;
  }
}

type UserParams = { Params: { user: string } };

export async function journalRoutes(app: FastifyInstance, { control }: ControlRouteOptions) {
  const journal: Journal | undefined = control.journal;
  if (!journal) return;

  app.get<UserParams & { Querystring: Record<string, string> }>('/_aio/accounts/:user/journal', async (req) => {
    const { since, limit, ...rest } = req.query;
    const filter = filterOf(rest, 'query');
    return journal.list(
      req.params.user,
      filter,
      whole(since, 'since', 0, Number.MAX_SAFE_INTEGER, 0),
      whole(limit, 'limit', 1, LIST_MAX, 1000),
    );
  });

  app.post<UserParams>('/_aio/accounts/:user/journal/count', async (req) => {
    const body = bodyObject(req.body);
    const filter = filterOf(body.match, 'match');
    return { count: journal.count(req.params.user, filter, whole(body.since, 'since', 0, Number.MAX_SAFE_INTEGER, 0)) };
  });

  app.post<UserParams>('/_aio/accounts/:user/journal/wait', async (req) => {
    const body = bodyObject(req.body);
    const filter = filterOf(body.match, 'match');
    const count = whole(body.count, 'count', 1, LIST_MAX, 1);
    const since = whole(body.since, 'since', 0, Number.MAX_SAFE_INTEGER, 0);
    const timeout = whole(body.timeout_ms, 'timeout_ms', 0, journal.maxWaitMs, DEFAULT_WAIT_MS);
    return journal.wait(req.params.user, filter, count, since, timeout);
  });

  app.delete<UserParams>('/_aio/accounts/:user/journal', async (req) => {
    const removed = journal.count(req.params.user);
    journal.clear(req.params.user);
    return { removed };
  });
}
