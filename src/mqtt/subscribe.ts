// SUBSCRIBE and UNSUBSCRIBE: which filters a session may hold, and the index fan-out reads them from.

import type { Client, Subscription } from 'aedes';
import { tokenRefusal, type TokenRow } from '../core/tokens.js';
import type { BrokerContext } from './broker-context.js';
import type { ClientSession } from './client-session.js';
import { REJECT, reject } from './refusals.js';
import { compileSub, type Qos } from './subscriptions.js';
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
  else if (!info.isTime && (!session.user || info.user !== session.user.username)) reason = REJECT.notAuthorized;
  else if (session.token && !tokenMaySubscribe(ctx, session, session.token, sub.topic, info)) reason = REJECT.notAuthorized;
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
 * A feed-limited token may subscribe only to its own feed's literal topics and `{user}/throttle`;
 * time topics are open to everyone.
 */
function tokenMaySubscribe(ctx: BrokerContext, session: ClientSession, token: TokenRow, filter: string, info: FilterInfo): boolean {
  if (info.isTime) return true;
  let feedId: number | undefined;
  if (token.feedId !== null && !info.wildcard) {
    const t = parseTopic(filter);
    if (t?.kind === 'throttle') feedId = token.feedId; // not about any feed
    else if (t?.kind === 'feed' && !t.get) feedId = ctx.core.feeds.find(session.user!, t.ident)?.id;
  }
  return tokenRefusal(token, 'readable', ctx.core.now(), feedId) === undefined;
}
