import type { FastifyRequest } from 'fastify';
import type { ConsoleSession } from '../core/console-sessions.js';
import type { Core } from '../core/core.js';
import { consoleCall, sessionSecret } from './cookie.js';

/**
 * The console session an API request carries, for http/auth.ts: only for same-origin console calls
 * (cookie, same origin, `X-Aio-Console: 1`); any other request with the cookie is as if it had none.
 */
export function consoleCredentials(core: Core): (req: FastifyRequest) => ConsoleSession | undefined {
  return (req) => {
    const secret = sessionSecret(req);
    if (secret === undefined || !consoleCall(req)) return undefined;
    return core.consoleSessions.resolve(secret);
  };
}
