import type { AccountLimits } from '../config.js';
import type { Ctx } from './context.js';
import { invalid, notFound } from './errors.js';
import type { UserRow } from './types.js';

/*
 * Caps on how many feeds, groups and dashboards an account may have, like the hosted free plan (10
 * feeds, 5 groups, 5 dashboards). Off unless configured: `AIO_MAX_*` set the server default, an
 * account's own value (the account command) overrides it, 0 means unlimited. The automatic `default`
 * group is not counted: every account has it and cannot delete it.
 *
 * The create functions of feeds, groups and dashboards call assertRoom, so every path that makes one
 * (HTTP create, data posted to a missing feed, `group.feed` keys, group data, MQTT publishes) is
 * refused alike with a 422 before that record is written.
 */

export type LimitedRecord = keyof AccountLimits;

/** The hosted service's wording is not known (compat-notes §5 q13); this one names the limit. */
const NOUN: Record<LimitedRecord, string> = { feeds: 'feed', groups: 'group', dashboards: 'dashboard' };

export function limitMessage(kind: LimitedRecord, max: number): string {
  const extra = kind === 'groups' ? ' besides the default group' : '';
  return `Validation failed: ${NOUN[kind]} limit reached, this account may have at most ${max} ${kind}${extra}`;
}

/** The limits that apply to the account now: its own where set, else the server's. */
export function effectiveLimits(ctx: Ctx, userId: number): AccountLimits {
  // Read from the table, not from the user row a request or an MQTT session carries, so that a
  // limit changed by the account command applies at once, even to sessions already connected.
  const row = ctx.stores.accounts.limits(userId);
  if (!row) throw notFound('no such account');
  const fallback = ctx.config.accountLimits;
  return { feeds: row.feeds ?? fallback.feeds, groups: row.groups ?? fallback.groups, dashboards: row.dashboards ?? fallback.dashboards };
}

/**
 * Throws a 422 when the account already has as many `kind` as it may. Called inside the create, with
 * no await before the insert, so two creates cannot both take the last place.
 */
export function assertRoom(ctx: Ctx, user: UserRow, kind: LimitedRecord): void {
  const max = effectiveLimits(ctx, user.id)[kind];
  if (max <= 0) return;
  if (ctx.stores.accounts.countOwned(user.id, kind) >= max) throw invalid(limitMessage(kind, max));
}
