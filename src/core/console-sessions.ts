import { randomBytes } from 'node:crypto';
import type { ConsoleSessionFound } from '../db/console-sessions.js';
import { hashKey, type Accounts } from './accounts.js';
import type { Ctx } from './context.js';
import { badRequest, forbidden, unauthorized } from './errors.js';
import { tokenExpired, type Tokens } from './tokens.js';
import type { TokenRow, UserRow } from './types.js';
import { isoSeconds } from './values.js';

/** A live console sign-in: it acts exactly as the key or the token it was made from. */
export interface ConsoleSession {
  id: number;
  user: UserRow;
  /** The scoped token it signed in with; null for the account key. */
  token: TokenRow | null;
}

export type SignIn = { username: string; key: string } | { token: string };

/** Why sessions may have ended; a door holding a stream open checks its own again. */
export interface SessionEnd {
  userId: number;
}

/**
 * Last-seen is written at most this often: a page opening makes a dozen API calls at once, and one
 * write for all of them is plenty for an idle timeout counted in minutes.
 */
const TOUCH_EVERY_MS = 1000;

/**
 * Web console sessions. The cookie carries a random 256-bit secret; only its sha256 is stored. A
 * session is checked on every use against the state it depends on (the account's key hash, the token
 * row, the idle time by the core clock), so a key replaced by the account command in another process
 * ends it at its next use without any signal; `onEnd` tells streams that are open to look again.
 */
export class ConsoleSessions {
  private readonly listeners = new Set<(end: SessionEnd) => void>();

  constructor(
    private readonly ctx: Ctx,
    private readonly accounts: Accounts,
    private readonly tokens: Tokens,
  ) {
    ctx.events.on('account', ({ userId }) => {
      ctx.stores.consoleSessions.removeKeySessions(userId);
      this.ended({ userId });
    });
    // The foreign key already took the token's sessions with it; streams still have to hear it.
    ctx.events.on('activity', ({ userId, model, action }) => {
      if (model === 'Token' && action !== 'create') this.ended({ userId });
    });
  }

  get idleMs(): number {
    return this.ctx.config.consoleIdleMinutes * 60_000;
  }

  /** Checks the credentials and opens a session; `secret` goes in the cookie and is never seen again here. */
  signIn(input: unknown): { secret: string; session: ConsoleSession } {
    const creds = parseSignIn(input);
    let user: UserRow;
    let token: TokenRow | null = null;
    if ('token' in creds) {
      const found = this.tokens.authenticate(creds.token);
      if (!found) throw unauthorized('request failed - invalid token provided');
      if (tokenExpired(found.token, this.ctx.clock()))
        throw forbidden(`forbidden - this token expired at ${isoSeconds(found.token.expiration!)}`);
      ({ user, token } = found);
    } else {
      const found = this.accounts.authenticateUser(creds.username, creds.key);
      if (!found) throw unauthorized('request failed - invalid username or key');
      user = found;
    }
    const now = this.ctx.clock();
    const store = this.ctx.stores.consoleSessions;
    // Sign-ins are rare: the place to forget sessions nobody came back to.
    store.removeIdle(now - this.idleMs);
    const secret = randomBytes(32).toString('base64url');
    const row = store.insert({
      secretHash: hashKey(secret),
      userId: user.id,
      tokenId: token?.id ?? null,
      keyHash: token ? null : user.keyHash,
      createdAt: now,
      lastSeen: now,
    });
    return { secret, session: { id: row.id, user, token } };
  }

  /**
   * The session this cookie secret names, if it is still good; `touch` (a request by the person, not
   * a stream's own re-check) moves its idle time on.
   */
  resolve(secret: string | undefined, touch = true): ConsoleSession | undefined {
    if (!secret) return undefined;
    const store = this.ctx.stores.consoleSessions;
    const found = store.bySecretHash(hashKey(secret));
    if (!found) return undefined;
    const now = this.ctx.clock();
    if (!this.valid(found, now)) {
      store.remove(found.session.id);
      return undefined;
    }
    const since = now - found.session.lastSeen;
    if (touch && (since >= TOUCH_EVERY_MS || since < 0)) store.touch(found.session.id, now);
    return { id: found.session.id, user: found.user, token: found.token };
  }

  signOut(secret: string | undefined): boolean {
    const session = this.resolve(secret, false);
    if (!session) return false;
    this.ctx.stores.consoleSessions.remove(session.id);
    this.ended({ userId: session.user.id });
    return true;
  }

  /** Tells `fn` when sessions of a user may have ended (sign-out, key replaced, token changed or deleted); returns the unsubscribe. */
  onEnd(fn: (end: SessionEnd) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private valid({ session, user, token }: ConsoleSessionFound, now: number): boolean {
    if (now - session.lastSeen >= this.idleMs) return false;
    if (session.tokenId !== null) return token !== null && !tokenExpired(token, now);
    return session.keyHash === user.keyHash;
  }

  private ended(end: SessionEnd): void {
    for (const fn of [...this.listeners]) fn(end);
  }
}

function parseSignIn(input: unknown): SignIn {
  const body = (input ?? {}) as Record<string, unknown>;
  if (typeof body.token === 'string' && body.token !== '') return { token: body.token };
  if (typeof body.username === 'string' && body.username !== '' && typeof body.key === 'string' && body.key !== '') {
    return { username: body.username, key: body.key };
  }
  throw badRequest('bad request - send {"username", "key"} or {"token"}');
}
