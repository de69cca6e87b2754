import type { Ctx } from './context.js';
import { datumJson } from './serializers/datum.js';
import { tokenCreatedJson, tokenJson } from './serializers/token.js';
import { userJson } from './serializers/user.js';
import type { DataRow, TokenRow, UserRow } from './types.js';

/**
 * The serializers of core/serializers/ with what a door cannot supply itself: the core's clock and
 * config. The shaping is all in that folder; this only fills in `now` and `retentionDays`.
 */
export class Serialize {
  constructor(private readonly ctx: Ctx) {}

  user(user: UserRow, defaultGroupId: number) {
    return userJson(user, defaultGroupId);
  }

  /** A data record; `include` keeps only the named fields (the `include=` query parameter). */
  datum(row: DataRow, feedKey: string, include?: ReadonlySet<string>): Record<string, unknown> {
    return datumJson(row, feedKey, this.ctx.config.retentionDays, include);
  }

  /** A token record; `secret` only on the creation answer. */
  token(token: TokenRow, secret?: string) {
    return tokenJson(token, this.ctx.clock(), secret);
  }

  /** The creation answer of a token: its secret, also as a QR code. */
  tokenCreated(token: TokenRow, secret: string) {
    return tokenCreatedJson(token, secret, this.ctx.clock());
  }
}
