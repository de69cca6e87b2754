import { effectiveLimits, type LimitedRecord } from './account-limits.js';
import type { Ctx } from './context.js';
import type { UserRow } from './types.js';

const KINDS: readonly LimitedRecord[] = ['feeds', 'groups', 'dashboards'];

/** How many feeds, groups and dashboards the account has, against its caps (0: unlimited), for the console. */
export function accountUsage(ctx: Ctx, user: UserRow): Record<LimitedRecord, { used: number; max: number }> {
  const limits = effectiveLimits(ctx, user.id);
  const out = {} as Record<LimitedRecord, { used: number; max: number }>;
  for (const kind of KINDS) out[kind] = { used: ctx.stores.accounts.countOwned(user.id, kind), max: limits[kind] };
  return out;
}
