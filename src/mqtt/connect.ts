// CONNECT: who may log in (account key, scoped token or anonymous), the Adafruit refusals Aedes cannot
// send, and the ends of a session: disconnect, ban, token expiry, token or account key changed.

import type { Client, ConnectPacket } from 'aedes';
import type { ActivityEvent, ResetEvent } from '../core/events.js';
import { sameScope, tokenExpired, type TokenRow } from '../core/tokens.js';
import type { UserRow } from '../core/types.js';
import type { BrokerContext } from './broker-context.js';
import { ClientSession } from './client-session.js';
import { printable } from './log-text.js';

type AuthDone = (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void;

function authError(returnCode: 2 | 3 | 4 | 5, message: string) {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * Adafruit's non-standard CONNACK codes, 6 (connection throttle) and 7 (banned), which Aedes will
 * not send (it turns any code above 5 into 5): written here, then the connection is closed.
 */
function refuseConnect(client: Client, code: 6 | 7, done: AuthDone): void {
  client.conn.write(Buffer.from([0x20, 0x02, 0x00, code]), () => {
    client.close();
    done(authError(5, code === 6 ? 'connection throttled' : 'banned'), null);
  });
}

/** The connection sent CONNECT (or closed): it no longer counts as pending for its address. */
export function connectArrived(ctx: BrokerContext, conn: object): void {
  if (!ctx.pending.delete(conn)) return;
  const ip = ctx.ips.get(conn) ?? '';
  const left = (ctx.pendingByIp.get(ip) ?? 1) - 1;
  if (left > 0) ctx.pendingByIp.set(ip, left);
  else ctx.pendingByIp.delete(ip);
}

export function preConnect(ctx: BrokerContext, client: Client, packet: ConnectPacket, cb: (err: Error | null, ok: boolean) => void): void {
  connectArrived(ctx, client.conn);
  // [MQTT-3.1.3-8]: a zero-length client id needs clean session; authenticate answers CONNACK 2.
  if (!packet.clientId && packet.clean === false) ctx.emptyIdPersistent.add(client);
  cb(null, true);
}

export function authenticate(
  ctx: BrokerContext,
  client: Client,
  username: string | undefined,
  password: Buffer | undefined,
  done: AuthDone,
): void {
  if (ctx.emptyIdPersistent.has(client)) return done(authError(2, 'identifier rejected'), null);
  const ip = ctx.ips.get(client.conn) ?? '';
  let user: UserRow | null = null;
  let token: TokenRow | null = null;
  try {
    if (username === undefined || username === '') {
      // Anonymous sessions may only read time/*; a password without a username is a malformed login.
      if (password && password.length > 0) return done(authError(5, 'not authorized'), null);
    } else {
      const bans = ctx.core.bans;
      // A wrong key cannot be guessed quickly: a username (or a whole address) with many failures
      // from this address is refused outright.
      if (bans.loginBlocked(ip, username)) return refuseConnect(client, 6, done);
      const secret = password ? password.toString('utf8') : '';
      user = ctx.core.accounts.authenticateUser(username, secret) ?? null;
      if (!user) ({ user, token } = tokenLogin(ctx, username, secret));
      if (!user) {
        bans.loginFailed(ip, username);
        return done(authError(5, 'not authorized'), null);
      }
      const ban = bans.note(user, 'connect') ?? bans.current(user);
      if (ban) return refuseConnect(client, ban.reason === 'connect' ? 6 : 7, done);
    }
  } catch (err) {
    ctx.log(`mqtt: login failed with an internal error: ${String(err)}`);
    return done(authError(3, 'server unavailable'), null);
  }
  const session = new ClientSession(client, user, ip, token);
  try {
    ctx.keeper.login(session, client.clean);
  } catch (err) {
    ctx.log(`mqtt: opening the session of ${client.id} failed: ${String(err)}`);
    return done(authError(3, 'server unavailable'), null);
  }
  ctx.sessions.set(client, session);
  if (token) armExpiry(ctx, session);
  else if (user) session.releaseKey = ctx.core.accounts.watchKey(user);
  if (user) {
    let live = ctx.byUser.get(user.id);
    if (!live) ctx.byUser.set(user.id, (live = new Set()));
    live.add(session);
  }
  done(null, true);
}

/** A ban closes every connection of the user, after telling them why on `{user}/errors`. */
export function enforceBan(ctx: BrokerContext, user: UserRow, ban: { message: string }): void {
  ctx.fanout.report(user.username, ban.message);
  const live = [...(ctx.byUser.get(user.id) ?? [])];
  // Next tick, so the report is written before the connections go.
  setImmediate(() => {
    for (const s of live) s.client.close();
  });
}

/** The client is gone: undoes what authenticate set up; the keeper keeps a persistent session. */
export function forget(ctx: BrokerContext, client: Client): void {
  const session = ctx.sessions.get(client);
  if (!session) return;
  clearTimeout(session.expiryTimer);
  session.releaseKey?.();
  try {
    ctx.keeper.away(session);
  } catch (err) {
    ctx.log(`mqtt: keeping the session of ${session.id} failed: ${String(err)}`);
  }
  ctx.index.removeSession(session);
  if (session.user) {
    const live = ctx.byUser.get(session.user.id);
    live?.delete(session);
    if (live?.size === 0) ctx.byUser.delete(session.user.id);
  }
  ctx.time.update();
}

// ---------------------------------------------------------------------------------------------
// Scoped tokens (core/tokens.ts): a token logs in like the key (username + token as password) and
// is then held to its flags (SUBSCRIBE and /get need readable, PUBLISH createable; see subscribe.ts
// and publish.ts), its feed and its lifetime. Deleting or changing it closes the sessions that
// logged in with it.

function tokenLogin(ctx: BrokerContext, username: string, secret: string): { user: UserRow | null; token: TokenRow | null } {
  const found = ctx.core.tokens.authenticateUser(username, secret);
  if (!found || tokenExpired(found.token, ctx.core.now())) return { user: null, token: null };
  return found;
}

/** Closes the session when its token expires (timers are capped near 24 days, so long ones re-arm). */
function armExpiry(ctx: BrokerContext, session: ClientSession): void {
  const expiration = session.token?.expiration;
  if (expiration === null || expiration === undefined) return;
  const wait = Math.min(Math.max(expiration - ctx.core.now(), 0), 2 ** 31 - 1);
  session.expiryTimer = setTimeout(() => {
    if (tokenExpired(session.token!, ctx.core.now())) session.client.close();
    else armExpiry(ctx, session);
  }, wait);
  session.expiryTimer.unref();
}

/**
 * The control plane moved the clock: token sessions whose token has now expired close at once, the
 * others wait anew for the expiry as the clock now stands (their timers counted wall time).
 */
export function clockMoved(ctx: BrokerContext): void {
  const now = ctx.core.now();
  for (const live of ctx.byUser.values()) {
    for (const session of [...live]) {
      if (!session.token) continue;
      clearTimeout(session.expiryTimer);
      if (tokenExpired(session.token, now)) {
        ctx.debug(`mqtt: closing ${printable(session.id)}: its token expired`);
        session.client.close();
      } else armExpiry(ctx, session);
    }
  }
}

/** The test control plane emptied an account: its offline sessions go, and its connections when asked. */
export function accountReset(ctx: BrokerContext, e: ResetEvent): void {
  ctx.keeper.forgetUser(e.userId);
  if (!e.disconnect) return;
  const live = e.userId === null ? [...ctx.byUser.values()].flatMap((s) => [...s]) : [...(ctx.byUser.get(e.userId) ?? [])];
  for (const session of live) {
    ctx.debug(`mqtt: closing ${printable(session.id)}: its account was reset`);
    session.client.close();
  }
}

/**
 * After a token changes or goes (deleted, or with its feed or the feed's group), the user's token
 * sessions are checked against the database: one whose token is gone or allows something else is
 * closed, so the client reconnects under the token as it is now.
 */
export function tokensChanged(ctx: BrokerContext, e: ActivityEvent): void {
  const relevant = e.model === 'Token' ? e.action !== 'create' : (e.model === 'Feed' || e.model === 'Group') && e.action === 'delete';
  if (!relevant) return;
  for (const session of [...(ctx.byUser.get(e.userId) ?? [])]) {
    if (!session.token) continue;
    const current = ctx.core.tokens.byId(session.token.id);
    if (!current || !sameScope(current, session.token)) session.client.close();
  }
}

/**
 * The account's key was replaced (here, or by the account command in another process): sessions
 * that logged in with an older key end at once. Token sessions have their own rules (tokensChanged).
 */
export function keyChanged(ctx: BrokerContext, userId: number): void {
  const live = [...(ctx.byUser.get(userId) ?? [])];
  const username = live[0]?.user?.username;
  if (username === undefined) return;
  const current = ctx.core.accounts.find(username)?.keyHash;
  for (const session of live) {
    if (session.token || session.user?.keyHash === current) continue;
    ctx.debug(`mqtt: closing ${printable(session.id)}: the account key it logged in with was replaced`);
    session.client.close();
  }
}
