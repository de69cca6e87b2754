import type { FastifyRequest } from 'fastify';
import type { Core } from '../core/core.js';
import { forbidden, unauthorized } from '../core/errors.js';
import { tokenRefusal, type TokenAccess, type TokenRow } from '../core/tokens.js';
import type { FeedRow, UserRow } from '../core/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRow;
  }
  interface FastifyContextConfig {
    /** No key needed: the path carries its own credential (webhook receiver URLs). */
    public?: boolean;
    /** The account key only, never a scoped token (token and webhook receiver management). */
    keyOnly?: boolean;
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
    const config = req.routeOptions.config;
    if (config?.public) return;
    const key = requestKey(req);
    let user = core.accounts.authenticate(key);
    // A scoped token is looked up only when the key did not match: key logins cost nothing more.
    const scoped = user ? undefined : core.tokens.authenticate(key);
    if (scoped) user = scoped.user;
    if (!user) throw unauthorized();
    const username = (req.params as { username?: string }).username;
    if (username !== undefined && username !== user.username) {
      throw forbidden(`forbidden - the API key provided does not give access to ${username}'s data`);
    }
    if (scoped) authorizeToken(core, req, user, scoped.token);
    req.user = user;
  };
}

// -------------------------------------------------------------------------------------------------
// Scoped tokens (core/tokens.ts): what the request does is the method, what it touches the feed in
// its path. Outside its flags, its feed or its lifetime, a token gets a 403.

const ACCESS_BY_METHOD: Readonly<Record<string, TokenAccess>> = {
  GET: 'readable',
  HEAD: 'readable',
  POST: 'createable',
  PUT: 'updateable',
  PATCH: 'updateable',
  DELETE: 'deleteable',
};

function authorizeToken(core: Core, req: FastifyRequest, user: UserRow, token: TokenRow): void {
  if (req.routeOptions.config?.keyOnly) {
    throw forbidden('forbidden - a token cannot manage tokens or webhook receivers; use the account key');
  }
  const access = ACCESS_BY_METHOD[req.method] ?? 'updateable';
  const feedId = token.feedId === null ? undefined : addressedFeed(core, req, user)?.id;
  const refusal = tokenRefusal(token, access, core.now(), feedId);
  if (refusal) throw forbidden(refusal);
}

/** The feed a route's path names (`feeds/{feed}` or `groups/{group}/feeds/{feed}`), if any. */
function addressedFeed(core: Core, req: FastifyRequest, user: UserRow): FeedRow | undefined {
  const { feedKey, groupKey } = req.params as { feedKey?: string; groupKey?: string };
  if (feedKey === undefined) return undefined;
  if (groupKey === undefined) return core.feeds.find(user, feedKey);
  const group = core.groups.find(user, groupKey);
  return group && core.feeds.findInGroup(user, group, feedKey);
}
