import type { FastifyRequest } from 'fastify';
import type { Core } from '../core/core.js';
import { forbidden, unauthorized } from '../core/errors.js';
import type { UserRow } from '../core/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRow;
  }
}

/** The key from the `X-AIO-Key` header or an `x-aio-key` query parameter, in any casing. */
export function requestKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-aio-key'];
  if (typeof header === 'string' && header !== '') return header;
  const query = req.query as Record<string, unknown> | undefined;
  if (query) {
    for (const name in query) {
      if (name.length === 9 && name.toLowerCase() === 'x-aio-key') {
        const v = query[name];
        return Array.isArray(v) ? String(v[0]) : String(v);
      }
    }
  }
  return undefined;
}

/** Every API route needs a valid key, and a `{username}` in its path must be the key's owner. */
export function authenticate(core: Core) {
  return async (req: FastifyRequest) => {
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    const user = core.accounts.authenticate(requestKey(req));
    if (!user) throw unauthorized();
    const username = (req.params as { username?: string }).username;
    if (username !== undefined && username !== user.username) {
      throw forbidden(`forbidden - the API key provided does not give access to ${username}'s data`);
    }
    req.user = user;
  };
}
