// SUBSCRIBE and UNSUBSCRIBE: which filters a session may hold, and the index fan-out reads them from.

import type { Client, Subscription } from 'aedes';
import type { UserRow } from '../core/types.js';
import { mayHold } from './access.js';
import type { BrokerContext } from './broker-context.js';
import type { ClientSession } from './client-session.js';
import { REJECT, reject } from './refusals.js';
import { compileSub, type Qos, type Session } from './subscriptions.js';
import { parseFilter } from './topics.js';

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
