// Who may hold which MQTT subscription: the own namespace, time topics, and feeds shared for reading.
// Used by SUBSCRIBE, by restored persistent sessions and by publish (shared feeds); a file of its own so
// that none of those imports another.

import type { Core } from '../core/core.js';
import { tokenRefusal, type TokenRow } from '../core/tokens.js';
import type { FeedRow, UserRow } from '../core/types.js';
import { parseTopic, type FilterInfo } from './topics.js';

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
