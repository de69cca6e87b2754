import { timingSafeEqual } from 'node:crypto';
import type { TokenAttrs } from '../db/tokens.js';
import { generateKey, hashKey } from './accounts.js';
import type { Ctx } from './context.js';
import { invalid, notFound } from './errors.js';
import type { Feeds, Fields } from './feeds.js';
import { isNumericId } from './keys.js';
import type { TokenRow, UserRow } from './types.js';
import { checkTimeRange, isoSeconds, parseTime, toBool } from './values.js';

export type { TokenRow } from './types.js';

/** What a request or packet wants to do, named after the token flag that allows it. */
export type TokenAccess = 'readable' | 'createable' | 'updateable' | 'deleteable';

const VERB: Record<TokenAccess, string> = {
  readable: 'reading',
  createable: 'creating',
  updateable: 'updating',
  deleteable: 'deleting',
};

export function tokenExpired(token: TokenRow, now: number): boolean {
  return token.expiration !== null && now >= token.expiration;
}

/**
 * Why `token` may not do `access` on the feed `feedId` (undefined when the action addresses no single
 * feed), or undefined when it may. Shared by both doors, so HTTP and MQTT refuse the same things.
 */
export function tokenRefusal(token: TokenRow, access: TokenAccess, now: number, feedId: number | undefined): string | undefined {
  if (tokenExpired(token, now)) return `forbidden - this token expired at ${isoSeconds(token.expiration!)}`;
  if (!token[access]) return `forbidden - this token does not allow ${VERB[access]}`;
  if (token.feedId !== null && feedId !== token.feedId) {
    return `forbidden - this token only gives access to the feed with id ${token.feedId}`;
  }
  return undefined;
}

/** True when two versions of a token allow the same things (an MQTT session keeps the one it logged in with). */
export function sameScope(a: TokenRow, b: TokenRow): boolean {
  return (
    a.readable === b.readable &&
    a.createable === b.createable &&
    a.updateable === b.updateable &&
    a.deleteable === b.deleteable &&
    a.feedId === b.feedId &&
    a.expiration === b.expiration
  );
}

const FLAGS = ['readable', 'createable', 'updateable', 'deleteable'] as const;

export class Tokens {
  constructor(
    private readonly ctx: Ctx,
    private readonly feeds: Feeds,
  ) {}

  /**
   * The token whose secret this is, with its user; undefined if none (deleted tokens are gone at
   * once). Expiration is not checked here: the doors refuse an expired token with a reason.
   */
  authenticate(secret: string | undefined): { user: UserRow; token: TokenRow } | undefined {
    if (!secret) return undefined;
    const hash = hashKey(secret);
    const found = this.ctx.stores.tokens.withUserBySecretHash(hash);
    if (!found) return undefined;
    return timingSafeEqual(Buffer.from(found.token.secretHash, 'hex'), Buffer.from(hash, 'hex')) ? found : undefined;
  }

  /** MQTT: the username must be the token's owner, exactly. */
  authenticateUser(username: string, secret: string): { user: UserRow; token: TokenRow } | undefined {
    const found = this.authenticate(secret);
    return found && found.user.username === username ? found : undefined;
  }

  /** The current version of a token, whoever owns it (the broker re-checks its sessions with it). */
  byId(id: number): TokenRow | undefined {
    return this.ctx.stores.tokens.byIdOfAnyUser(id);
  }

  list(user: UserRow): TokenRow[] {
    return this.ctx.stores.tokens.list(user.id);
  }

  find(user: UserRow, ident: string): TokenRow | undefined {
    if (!isNumericId(ident)) return undefined;
    return this.ctx.stores.tokens.byId(user.id, Number(ident));
  }

  resolve(user: UserRow, ident: string): TokenRow {
    const token = this.find(user, ident);
    if (!token) throw notFound();
    return token;
  }

  /** A new token, all flags on unless sent; the secret is returned here and never again. */
  create(user: UserRow, input: Fields): { token: TokenRow; secret: string } {
    const attrs = this.attrs(user, input);
    const secret = generateKey();
    const now = this.ctx.clock();
    const token = this.ctx.stores.tokens.insert({ ...attrs, userId: user.id, secretHash: hashKey(secret), createdAt: now, updatedAt: now });
    this.ctx.events.emit('activity', { userId: user.id, action: 'create', model: 'Token', record: publicRecord(token) });
    return { token, secret };
  }

  /** Changes only the fields sent (PUT and PATCH alike, as for every other record). */
  update(user: UserRow, token: TokenRow, input: Fields): TokenRow {
    const attrs = this.attrs(user, input);
    const row = this.ctx.stores.tokens.update(token.userId, token.id, { ...attrs, updatedAt: this.ctx.clock() });
    this.ctx.events.emit('activity', { userId: user.id, action: 'update', model: 'Token', record: publicRecord(row) });
    return row;
  }

  delete(user: UserRow, token: TokenRow): void {
    this.ctx.stores.tokens.remove(token.userId, token.id);
    this.ctx.events.emit('activity', { userId: user.id, action: 'delete', model: 'Token', record: publicRecord(token) });
  }

  /** The settable fields: the four flags, `feed_id` (id, key or name of one of the user's feeds; null for all) and `expiration`. */
  private attrs(user: UserRow, input: Fields): TokenAttrs {
    const attrs: TokenAttrs = {};
    for (const flag of FLAGS) {
      const v = toBool(input[flag], flag);
      if (v !== undefined) attrs[flag] = v;
    }
    if ('feed_id' in input || 'feed_key' in input) {
      const raw = 'feed_id' in input ? input.feed_id : input.feed_key;
      if (raw === null || raw === '') attrs.feedId = null;
      else if (typeof raw === 'string' || typeof raw === 'number') {
        const feed = this.feeds.find(user, String(raw).trim());
        if (!feed) throw invalid(`Validation failed: feed_id: ${user.username} has no feed '${String(raw)}'`);
        attrs.feedId = feed.id;
      } else if (raw !== undefined) throw invalid('Validation failed: feed_id must be a feed id or key');
    }
    if ('expiration' in input) {
      const raw = input.expiration;
      if (raw === null || raw === '') attrs.expiration = null;
      else if (raw !== undefined) {
        const ms = parseTime(raw);
        if (ms === null) throw invalid(`Validation failed: expiration must be an ISO-8601 date, got "${String(raw)}"`);
        if (ms <= this.ctx.clock()) throw invalid('Validation failed: expiration must be in the future');
        attrs.expiration = checkTimeRange(ms, 'expiration');
      }
    }
    return attrs;
  }
}

/** The token row without its secret hash, for activities. */
function publicRecord(token: TokenRow): Omit<TokenRow, 'secretHash'> {
  const { secretHash: _secret, ...rest } = token;
  return rest;
}
