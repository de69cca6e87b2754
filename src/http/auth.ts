import type { FastifyRequest } from 'fastify';
import type { Core } from '../core/core.js';
import { forbidden, unauthorized } from '../core/errors.js';
import { PERMISSION_TYPES, type Access, type Target } from '../core/permissions.js';
import { tokenRefusal, type TokenAccess, type TokenRow } from '../core/tokens.js';
import type { FeedRow, UserRow } from '../core/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The account whose data the request addresses: the path's `{username}`, or the key's owner on
     * paths without one. Everything a route reads or writes is this account's.
     */
    user: UserRow;
    /**
     * Who sent the request: the owner of the key or token, null without one. It differs from `user`
     * only on routes marked `shared`, when someone reads or writes what the owner shared with them or
     * made public; writes then come from this account's rate budget (see writer()).
     */
    actor: UserRow | null;
  }
  interface FastifyContextConfig {
    /** No key needed: the path carries its own credential (webhook receiver URLs). */
    public?: boolean;
    /** The account key only, never a scoped token (token, webhook receiver and permission management). */
    keyOnly?: boolean;
    /**
     * Other accounts (and, for `read`, requests without a key) may use this route on an owner's path
     * when the owner shared what it names with them (core/permissions.ts): `read` for GETs, `write` for
     * data writes. A list route then answers only the things the requester may read. Routes without it
     * stay the owner's alone.
     */
    shared?: Access;
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

/** The web console's session of a request (src/console/credentials.ts), if it carries one it may use here. */
export type SessionCredentials = (req: FastifyRequest) => { user: UserRow; token: TokenRow | null } | undefined;

/**
 * Every API route needs a valid key, and a `{username}` in its path must be the key's owner, except
 * on `shared` routes for what the owner shared (or made public: then no key is needed either). What is
 * not shared is refused exactly as if nothing were: 401 without a key, 403 with another account's,
 * whether the thing exists or not.
 */
export function authenticate(core: Core, sessionOf?: SessionCredentials) {
  return async (req: FastifyRequest) => {
    const config = req.routeOptions.config;
    if (config?.public) return;
    const key = requestKey(req);
    let actor = core.accounts.authenticate(key) ?? null;
    // A scoped token is looked up only when the key did not match: key logins cost nothing more.
    let scoped = actor ? undefined : core.tokens.authenticate(key);
    if (scoped) actor = scoped.user;
    // Without a key, a web console session acts exactly as the key or token it was made from.
    if (!actor && key === undefined && sessionOf) {
      const session = sessionOf(req);
      if (session) {
        actor = session.user;
        if (session.token) scoped = { user: session.user, token: session.token };
      }
    }
    const username = (req.params as { username?: string }).username;
    if (!actor && (key !== undefined || !config?.shared || username === undefined)) throw unauthorized();
    let owner = actor;
    if (username !== undefined && username !== actor?.username) {
      owner = config?.shared ? sharedOwner(core, req, actor, username, config.shared) : null;
      if (!owner) throw actor ? forbidden(`forbidden - the API key provided does not give access to ${username}'s data`) : unauthorized();
    }
    if (scoped) authorizeToken(core, req, owner!, scoped.token);
    req.user = owner!;
    req.actor = actor;
  };
}

/** The owner on whose path `actor` may `access` what the route names, or null. */
function sharedOwner(core: Core, req: FastifyRequest, actor: UserRow | null, username: string, access: Access): UserRow | null {
  const owner = core.accounts.find(username);
  return owner && core.permissions.allows(actor, owner, sharedTarget(req), access) ? owner : null;
}

/**
 * What a shared route names: the group on group paths (its feeds' data too: a group path is reached
 * through the group's permission, so it tells nothing of groups one may not read), else the feed or
 * dashboard, else the list of the route's last segment (`feeds`, `groups`, `dashboards`).
 */
function sharedTarget(req: FastifyRequest): Target {
  const { feedKey, groupKey, dashboardKey } = req.params as { feedKey?: string; groupKey?: string; dashboardKey?: string };
  if (groupKey !== undefined) return { model: 'group', ident: groupKey };
  if (feedKey !== undefined) return { model: 'feed', ident: feedKey };
  if (dashboardKey !== undefined) return { model: 'dashboard', ident: dashboardKey };
  const last = req.routeOptions.url?.split('/').pop() ?? '';
  const list = PERMISSION_TYPES[last];
  if (!list) throw new Error(`route ${req.routeOptions.url} is marked shared but names nothing that can be shared`);
  return { list };
}

/** Whether the request acts on another account's things (a `shared` route used by someone else, or without a key). */
export function onSharedPath(req: FastifyRequest): boolean {
  return req.actor?.id !== req.user.id;
}

/** The account a write comes from (and is charged to): `write` routes always have one. */
export function writer(req: FastifyRequest): UserRow {
  if (!req.actor) throw unauthorized();
  return req.actor;
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

/** `owner`: the account whose path it is (a token of someone it shared with reaches its feeds by their ids, never its own token's feed). */
function authorizeToken(core: Core, req: FastifyRequest, owner: UserRow, token: TokenRow): void {
  if (req.routeOptions.config?.keyOnly) {
    throw forbidden('forbidden - a token cannot manage tokens, webhook receivers or permissions; use the account key');
  }
  const access = ACCESS_BY_METHOD[req.method] ?? 'updateable';
  const feedId = token.feedId === null ? undefined : addressedFeed(core, req, owner)?.id;
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
