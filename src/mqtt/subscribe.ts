// SUBSCRIBE and UNSUBSCRIBE: which filters a session may hold, and the index fan-out reads them from.

import type { Client, Subscription } from 'aedes';
import type { Core } from '../core/core.js';
import { tokenRefusal, type TokenRow } from '../core/tokens.js';
import type { FeedRow, UserRow } from '../core/types.js';
import type { BrokerContext } from './broker-context.js';
import type { ClientSession } from './client-session.js';
import { REJECT, reject } from './refusals.js';
import { compileSub, type Qos, type Session } from './subscriptions.js';
import { parseFilter, parseTopic, type FilterInfo } from './topics.js';

export function authorizeSubscribe(
  ctx: BrokerContext,
  client: Client,
  sub: Subscription,
  cb: (err: Error | null, sub?: Subscription | null) => void,
): void {
  const session = ctx.sessions.get(client);
  if (!session) return cb(null, null);
  // A stored subscription Aedes restores on a clean session 0 CONNECT: checked like a new one, not
  // counted towards a ban (the client did not send it), and live only once the queue replays.
  const restoring = session.restored !== null;
  const info = parseFilter(sub.topic);
  let reason: string | undefined;
  if (!info) reason = REJECT.notResource;
  else if (!mayHold(ctx.core, session.user, session.token, sub.topic, info)) reason = REJECT.notAuthorized;
  if (reason !== undefined || !info) {
    reject(ctx, session, 'SUBSCRIBE', sub.topic, reason ?? REJECT.notResource);
    if (restoring) ctx.keeper.refuseRestored(session, sub.topic);
    else if (session.user) ctx.core.bans.note(session.user, 'refusedSubscribe');
    return cb(null, null); // SUBACK 0x80
  }
  // QoS 2 is not offered: granted as 1.
  const qos: Qos = sub.qos >= 1 ? 1 : 0;
  const compiled = compileSub(sub.topic, qos, info);
  if (restoring) {
    ctx.keeper.restore(session, info.isTime ? null : info.user, compiled);
    if (!info.isTime && session.user) ctx.integrations.subscribed(session, sub.topic, qos);
    return cb(null, { ...sub, qos });
  }
  if (session.user) ctx.core.bans.note(session.user, 'subscribe');
  ctx.index.add(session, info.isTime ? null : info.user, compiled);
  if (info.isTime) ctx.time.update();
  else if (session.user) ctx.integrations.subscribed(session, sub.topic, qos);
  cb(null, { ...sub, qos });
}

/** Aedes' `unsubscribe` event: the filters leave the index (and time topics may stop their timers). */
export function unsubscribed(ctx: BrokerContext, filters: string[], client: Client): void {
  const session = ctx.sessions.get(client);
  if (!session) return;
  for (const f of filters) ctx.index.remove(session, f);
  ctx.time.update();
}

/**
 * Whether a login may hold `filter`: time topics anyone; the own namespace, wildcards included; in
 * another account's namespace only the literal topics of a feed shared with it for reading
 * (`{owner}/feeds|f/{feed}[/json|/csv][/get]`, core/permissions.ts), never a wildcard, a group or the
 * owner's errors and throttle topics. A token is held to its flags and feed as well. Checked at
 * SUBSCRIBE, when a stored session's subscriptions come back, and again whenever the owner's sharing
 * changes (sharingChanged).
 */
export function mayHold(core: Core, user: UserRow | null, token: TokenRow | null, filter: string, info: FilterInfo): boolean {
  if (info.isTime) return true;
  if (!user) return false;
  let feedId: number | undefined;
  if (info.user === user.username) {
    if (token && token.feedId !== null && !info.wildcard) {
      const t = parseTopic(filter);
      if (t?.kind === 'throttle')
        feedId = token.feedId; // not about any feed
      else if (t?.kind === 'feed' && !t.get) feedId = core.feeds.find(user, t.ident)?.id;
    }
  } else {
    const feed = sharedFeed(core, user, filter, info);
    if (!feed || !core.permissions.feedGrant(user, feed.owner, feed.feed).read) return false;
    feedId = feed.feed.id;
  }
  return !token || tokenRefusal(token, 'readable', core.now(), feedId) === undefined;
}

/** The owner and feed a literal feed topic names in another account's namespace; undefined for anything else. */
export function sharedFeed(core: Core, user: UserRow, topic: string, info: FilterInfo): { owner: UserRow; feed: FeedRow } | undefined {
  if (info.wildcard || info.user === null || info.user === user.username) return undefined;
  const t = parseTopic(topic);
  if (t?.kind !== 'feed') return undefined;
  const owner = core.accounts.find(t.user);
  const feed = owner && core.feeds.find(owner, t.ident);
  return owner && feed ? { owner, feed } : undefined;
}

/**
 * The owner's sharing changed (core/permissions.ts `sharing`): every subscription another account
 * holds in the owner's namespace is checked again, and the ones no longer allowed leave the index at
 * once, so nothing more is delivered on them; a connected client is told on its `{user}/errors`.
 */
export function sharingChanged(ctx: BrokerContext, owner: UserRow): void {
  const sessions = ctx.index.forUser(owner.username);
  if (!sessions) return;
  const revoked: Array<{ session: Session; filter: string }> = [];
  for (const [session, subs] of sessions) {
    if (!session.user || session.user.id === owner.id) continue;
    const token = (session as Partial<ClientSession>).token ?? null;
    for (const sub of subs.values()) {
      const info = parseFilter(sub.filter);
      if (!info || !mayHold(ctx.core, session.user, token, sub.filter, info)) revoked.push({ session, filter: sub.filter });
    }
  }
  for (const { session, filter } of revoked) {
    ctx.index.remove(session, filter);
    if (!session.closed) reject(ctx, session, 'SUBSCRIBE', filter, REJECT.notAuthorized);
  }
}
