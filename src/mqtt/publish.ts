// PUBLISH: a feed or group topic is handled here, through the core, inside authorizePublish, so the
// point is committed before Aedes writes the PUBACK; `<topic>/get` answers the publisher alone.

import type { Client, PublishPacket } from 'aedes';
import type { DatumInput } from '../core/data.js';
import { AioError, feedNotFound, groupNotFound, invalid } from '../core/errors.js';
import { tokenRefusal, type TokenRow } from '../core/tokens.js';
import type { FeedRow, UserRow } from '../core/types.js';
import type { BrokerContext } from './broker-context.js';
import type { ClientSession } from './client-session.js';
import { feedPayload, groupPayload, keyInGroup } from './fanout.js';
import { parseFeedPayload, parseGroupPayload, type GroupEntry } from './payloads.js';
import { REJECT, reject } from './refusals.js';
import { sharedFeed } from './access.js';
import { parseTopic, groupFormat, type FeedTopic, type GroupTopic, type ParsedTopic } from './topics.js';

/** Where handled PUBLISH packets go once the core has them: no filter a client may hold matches it. */
const CONSUMED_TOPIC = '$aio/consumed';

/** Lets Aedes go on with a handled PUBLISH: never stored as retained, never routed by Aedes (fan-out wrote every delivery). */
function consume(packet: PublishPacket, cb: (err?: Error | null) => void, err: Error | null): void {
  packet.topic = CONSUMED_TOPIC;
  packet.retain = false;
  cb(err);
}

function payloadBuffer(payload: Buffer | string): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
}

/**
 * Every PUBLISH goes through the core's group commit (core/write-queue.ts): the packets read in one
 * turn of the event loop are stored in one transaction, each in its own savepoint, and Aedes writes
 * the PUBACK only when `cb` runs, after the commit that holds the point. A publish the storage could
 * not take (busy past AIO_DB_BUSY_TIMEOUT_MS, disk full) gets no PUBACK: the reason goes to
 * `{user}/errors` and the connection is closed, so that the client sends it again.
 */
export function authorizePublish(ctx: BrokerContext, client: Client | null, packet: PublishPacket, cb: (err?: Error | null) => void): void {
  const session = client ? ctx.sessions.get(client) : undefined;
  if (!session) return consume(packet, cb, null);
  ctx.core.metrics?.published();
  ctx.core.data
    .soon(() => handlePublish(ctx, session, packet))
    .then(
      () => consume(packet, cb, null),
      (err: unknown) => publishFailed(ctx, session, packet, cb, err),
    );
}

function publishFailed(
  ctx: BrokerContext,
  session: ClientSession,
  packet: PublishPacket,
  cb: (err?: Error | null) => void,
  err: unknown,
): void {
  const stored = err instanceof AioError && err.notStored;
  if (!stored) ctx.log(`mqtt: PUBLISH ${JSON.stringify(packet.topic)} failed: ${String(err)}`);
  reject(ctx, session, 'PUBLISH', packet.topic, stored ? (err as AioError).message : 'internal error, not stored');
  if (packet.qos === 0) return consume(packet, cb, null);
  cb(err instanceof Error ? err : new Error(String(err)));
}

function handlePublish(ctx: BrokerContext, session: ClientSession, packet: PublishPacket): void {
  const user = session.user;
  const topic = packet.topic;
  if (!user) {
    ctx.debug(`mqtt: anonymous PUBLISH ${topic} dropped`);
    return;
  }
  const t = parseTopic(topic);
  if (!t) return rejectPublish(ctx, session, topic, REJECT.badFormat);
  if (t.kind === 'time') return rejectPublish(ctx, session, topic, REJECT.notAuthorized);
  if (t.user !== user.username) return sharedPublish(ctx, session, user, t, packet);
  if (t.kind !== 'feed' && t.kind !== 'group') return rejectPublish(ctx, session, topic, REJECT.notWritable);
  if (session.token && !tokenMayPublish(ctx, session.token, user, t)) return rejectPublish(ctx, session, topic, REJECT.notAuthorized);
  guarded(ctx, session, user, topic, () => {
    if (t.kind === 'feed') {
      if (t.get) feedGet(ctx, session, user, t, topic);
      else feedPublish(ctx, user, t, packet);
    } else if (t.get) {
      groupGet(ctx, session, user, t, topic);
    } else {
      groupPublish(ctx, user, t, packet);
    }
  });
}

/** Runs a publish's work: refusals of the core go to `{user}/errors`, the rate limit's to `{user}/throttle`. */
function guarded(ctx: BrokerContext, session: ClientSession, user: UserRow, topic: string, work: () => void): void {
  try {
    work();
  } catch (err) {
    // Over the rate limit: the limiter's notice goes to `{user}/throttle` (see Fanout), not to errors.
    if (err instanceof AioError && err.kind === 'throttled') {
      ctx.debug(`mqtt: ${session.id} PUBLISH ${topic} throttled`);
      ctx.core.bans.note(user, 'throttledPublish');
      return;
    }
    if (err instanceof AioError) return rejectPublish(ctx, session, topic, err.message);
    throw err;
  }
}

/**
 * A PUBLISH in another account's namespace: to a feed shared with this one for writing (core/permissions.ts),
 * stored as the owner's from this account's budget, never creating a feed; `/get` on one shared for
 * reading. Everything else is refused in the hosted service's words, the same whether the feed exists
 * or not.
 */
function sharedPublish(
  ctx: BrokerContext,
  session: ClientSession,
  user: UserRow,
  t: Exclude<ParsedTopic, { kind: 'time' }>,
  packet: PublishPacket,
): void {
  const topic = packet.topic;
  if (t.kind === 'group') return rejectPublish(ctx, session, topic, REJECT.sharedFeedsOnly);
  if (t.kind !== 'feed') return rejectPublish(ctx, session, topic, REJECT.notAuthorized);
  const info = { user: t.user, isTime: false, wildcard: false };
  const found = sharedFeed(ctx.core, user, topic, info);
  const grant = found && ctx.core.permissions.feedGrant(user, found.owner, found.feed);
  const access = t.get ? 'readable' : 'createable';
  const allowed = found && grant && (t.get ? grant.read : grant.write);
  if (!allowed || (session.token && tokenRefusal(session.token, access, ctx.core.now(), found.feed.id) !== undefined)) {
    return rejectPublish(ctx, session, topic, t.get ? REJECT.notAuthorized : REJECT.onlyShared);
  }
  const { owner, feed } = found;
  guarded(ctx, session, user, topic, () => {
    if (t.get) return sendLast(ctx, session, feed, t, topic);
    ctx.core.permissions.writeData(user, owner, [{ feed, datum: feedDatum(t, packet) }], packet.qos >= 1 ? 1 : 0);
  });
}

function feedDatum(t: FeedTopic, packet: PublishPacket): DatumInput {
  const p = parseFeedPayload(payloadBuffer(packet.payload), t.format);
  if (p.value === '') throw invalid("Validation failed: Value can't be blank");
  return { value: p.value, lat: p.lat ?? null, lon: p.lon ?? null, ele: p.ele ?? null };
}

function feedPublish(ctx: BrokerContext, user: UserRow, t: FeedTopic, packet: PublishPacket): void {
  ctx.core.data.createOrAutoCreate(user, t.ident, [feedDatum(t, packet)], packet.qos >= 1 ? 1 : 0);
}

function groupPublish(ctx: BrokerContext, user: UserRow, t: GroupTopic, packet: PublishPacket): void {
  const p = parseGroupPayload(payloadBuffer(packet.payload), groupFormat(t.format));
  const location = { lat: p.lat ?? null, lon: p.lon ?? null, ele: p.ele ?? null };
  const entries = p.feeds.map((f) => ({ key: f.key, datum: { value: f.value, ...location } }));
  for (const e of entries) if (e.datum.value === '') throw invalid(`Validation failed: Value for ${e.key} can't be blank`);
  ctx.core.data.createInGroupOrAutoCreate(user, t.ident, entries, packet.qos >= 1 ? 1 : 0);
}

/** `<topic>/get`: the last value, to this client only, on `<topic>` in its format. Not stored. */
function feedGet(ctx: BrokerContext, session: ClientSession, user: UserRow, t: FeedTopic, topic: string): void {
  const feed = ctx.core.feeds.find(user, t.ident);
  if (!feed) throw feedNotFound(t.ident, user.username);
  sendLast(ctx, session, feed, t, topic);
}

function sendLast(ctx: BrokerContext, session: ClientSession, feed: FeedRow, t: FeedTopic, topic: string): void {
  const last = ctx.core.data.latest(feed);
  if (!last) return; // nothing stored yet: nothing to send (compat-notes §5 q7)
  const target = topic.slice(0, -'/get'.length);
  session.send(target, feedPayload(ctx.core, feed, last, t.format), ctx.index.find(session, target)?.qos ?? 0);
}

function groupGet(ctx: BrokerContext, session: ClientSession, user: UserRow, t: GroupTopic, topic: string): void {
  const group = ctx.core.groups.find(user, t.ident);
  if (!group) throw groupNotFound(t.ident, user.username);
  const feeds = ctx.core.groups.feedsByGroup(user, group.id).get(group.id) ?? [];
  const entries: GroupEntry[] = [];
  for (const f of feeds) {
    const last = ctx.core.data.latest(f);
    if (last) entries.push({ key: keyInGroup(f, group), value: last.value });
  }
  if (entries.length === 0) return;
  const target = topic.slice(0, -'/get'.length);
  session.send(target, groupPayload(entries, null, groupFormat(t.format)), ctx.index.find(session, target)?.qos ?? 0);
}

/** A refused PUBLISH counts towards a ban, like a refused SUBSCRIBE. */
function rejectPublish(ctx: BrokerContext, session: ClientSession, topic: string, reason: string): void {
  reject(ctx, session, 'PUBLISH', topic, reason);
  if (session.user) ctx.core.bans.note(session.user, 'refusedPublish');
}

/** Feed and group publishes need createable (`/get` readable); a feed-limited token only its own feed. */
function tokenMayPublish(ctx: BrokerContext, token: TokenRow, user: UserRow, t: Extract<ParsedTopic, { kind: 'feed' | 'group' }>): boolean {
  const feedId = token.feedId !== null && t.kind === 'feed' ? ctx.core.feeds.find(user, t.ident)?.id : undefined;
  return tokenRefusal(token, t.get ? 'readable' : 'createable', ctx.core.now(), feedId) === undefined;
}
