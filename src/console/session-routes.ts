import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountUsage } from '../core/account-usage.js';
import type { ConsoleSession } from '../core/console-sessions.js';
import type { Core } from '../core/core.js';
import { forbidden, unauthorized } from '../core/errors.js';
import { clearSessionCookie, consoleCall, sessionSecret, setSessionCookie } from './cookie.js';

const NOT_SIGNED_IN = 'unauthorized - not signed in to the console';
const CROSS_ORIGIN = 'forbidden - console calls must come from the console itself (same origin, X-Aio-Console: 1)';

/** What the page knows of its session: who, how, and what it may do (never a secret). */
export function sessionJson(core: Core, s: ConsoleSession) {
  const t = s.token;
  return {
    username: s.user.username,
    kind: t ? 'token' : 'key',
    permissions: {
      readable: t ? t.readable : true,
      createable: t ? t.createable : true,
      updateable: t ? t.updateable : true,
      deleteable: t ? t.deleteable : true,
      feed_id: t ? t.feedId : null,
      expiration: t?.expiration == null ? null : new Date(t.expiration).toISOString(),
      manage: !t,
    },
    idle_minutes: core.config.consoleIdleMinutes,
  };
}

/** `POST /console/session` signs in, `GET` says who is signed in, `DELETE` signs out. */
export async function sessionRoutes(app: FastifyInstance, { core }: { core: Core }) {
  const current = (req: FastifyRequest): ConsoleSession => {
    if (!consoleCall(req)) throw unauthorized(NOT_SIGNED_IN);
    const session = core.consoleSessions.resolve(sessionSecret(req));
    if (!session) throw unauthorized(NOT_SIGNED_IN);
    return session;
  };

  app.post('/console/session', async (req, reply) => {
    // A sign-in from another origin would plant that origin's session in this browser.
    if (!consoleCall(req)) throw forbidden(CROSS_ORIGIN);
    const { secret, session } = core.consoleSessions.signIn(req.body);
    setSessionCookie(req, reply, secret);
    return reply.code(201).send(sessionJson(core, session));
  });

  app.get('/console/session', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return sessionJson(core, current(req));
  });

  // Account caps are not in the Adafruit API; the console's limits page shows them beside /throttle.
  app.get('/console/limits', async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return accountUsage(core.ctx, current(req).user);
  });

  app.delete('/console/session', async (req, reply) => {
    current(req);
    core.consoleSessions.signOut(sessionSecret(req));
    clearSessionCookie(req, reply);
    return reply.code(204).send();
  });
}
