// Data events → MQTT deliveries (compat-notes §3.5).
//
// Every stored data point, whichever door it came through, reaches every subscription in its owner's
// namespace that matches any alias of its feed, on the exact topic string that subscription used. The
// index files a subscription under its topic's first level, so the literal feed topics other accounts
// hold on a feed shared with them (subscribe.ts) are found and served here exactly as the owner's own:
//   - a literal filter (`u/f/Temp`, `u/feeds/room.temp/csv`) that names the feed by key, `default.key`,
//     id or name gets the point on that very string, in that topic's format;
//   - a wildcard filter gets it on each canonical alias it matches: `u/feeds|f/{key}[/json|/csv]`
//     (so `u/#` sees six messages and `u/f/+` one);
//   - group subscriptions (`u/groups|g/{group}[/json|/csv]`) of every group the feed belongs to get
//     `{"feeds":{"key":"value"}}` (or CSV lines), one message for the feeds stored together.
// Each client receives at most one message per topic per data point, however many of its filters match.
// Events are collected for the rest of the tick and delivered together, so that the feeds written by
// one group publish or one HTTP group post go out as one group message.

import type { Core } from '../core/core.js';
import type { DataEvent } from '../core/events.js';
import type { DataRow, FeedRow, GroupRow, UserRow } from '../core/types.js';
import { csvLine } from '../core/values.js';
import { formatGroupCsv, formatGroupJson, type GroupEntry, type LocationIn } from './payloads.js';
import { levelsMatch, type Qos, type Session, type Sub, type SubscriptionIndex } from './subscriptions.js';
import { feedTopic, groupFormat, groupTopic, type TimeUnit, type TopicFormat } from './topics.js';

interface Pending extends DataEvent {
  /** QoS of the PUBLISH that caused it (1 for other doors): deliveries get min(this, subscription QoS). */
  qos: Qos;
}

interface Canonical {
  topic: string;
  levels: readonly string[];
  format: TopicFormat;
}

const FORMATS: readonly TopicFormat[] = ['plain', 'json', 'csv'];

function canonicalTopics(make: (alias: 'a' | 'b', format: TopicFormat) => string): Canonical[] {
  const out: Canonical[] = [];
  for (const alias of ['a', 'b'] as const) {
    for (const format of FORMATS) {
      const topic = make(alias, format);
      out.push({ topic, levels: topic.split('/'), format });
    }
  }
  return out;
}

/** The key a feed goes by inside `group`: `room.temp` is `temp` in group `room`. */
export function keyInGroup(feed: FeedRow, group: GroupRow): string {
  const prefix = `${group.key}.`;
  return feed.key.startsWith(prefix) ? feed.key.slice(prefix.length) : feed.key;
}

/** Collects the deliveries for one client: one per topic, at the highest QoS any matching filter allows. */
class Outbox {
  readonly topics = new Map<string, { format: TopicFormat; qos: Qos }>();
  add(topic: string, format: TopicFormat, qos: Qos): void {
    const prev = this.topics.get(topic);
    if (!prev || prev.qos < qos) this.topics.set(topic, { format, qos });
  }
}

export class Fanout {
  private pending: Pending[] = [];
  private scheduled = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: Core,
    private readonly index: SubscriptionIndex,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    const offData = core.events.on('data', (e) => this.onData(e));
    // Rate-limit refusals from any door are announced on `{user}/throttle`.
    const offThrottle = core.events.on('throttle', (n) => this.throttle(n.user.username, n.message));
    // What the core's services (actions) have to tell an owner goes to `{user}/errors`.
    const offReport = core.events.on('report', (r) => this.report(r.user.username, r.message));
    this.unsubscribe = () => {
      offData();
      offThrottle();
      offReport();
    };
  }

  stop(): void {
    this.unsubscribe();
    this.pending = [];
  }

  private onData(e: DataEvent): void {
    // Cheap filter first: most points belong to users with nobody listening.
    if (!this.index.forUser(e.user.username)) return;
    this.pending.push({ ...e, qos: e.qos ?? 1 });
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Delivers everything collected so far; called at the end of the tick (tests may call it directly). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const byUser = new Map<number, Pending[]>();
    for (const e of batch) {
      const list = byUser.get(e.user.id);
      if (list) list.push(e);
      else byUser.set(e.user.id, [e]);
    }
    for (const events of byUser.values()) {
      try {
        this.deliverUser(events);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private deliverUser(events: Pending[]): void {
    const user = events[0]!.user;
    for (const e of events) this.deliverFeed(user, e);
    const sessions = this.index.groupSubs(user.username);
    if (!sessions) return;
    // Consecutive points on distinct feeds share one group message; a feed seen twice starts a new one.
    let run: Pending[] = [];
    const seen = new Set<number>();
    for (const e of events) {
      if (seen.has(e.feed.id)) {
        this.deliverGroups(user, sessions, run);
        run = [];
        seen.clear();
      }
      run.push(e);
      seen.add(e.feed.id);
    }
    this.deliverGroups(user, sessions, run);
  }

  private deliverFeed(user: UserRow, e: Pending): void {
    let canonical: Canonical[] | undefined;
    const payloads = new Map<TopicFormat, string>();
    // Only the filters that may match: its literal names and the wildcards (subscriptions.ts).
    for (const [session, subs] of this.index.feedCandidates(user.username, e.feed)) {
      if (session.closed) continue;
      const out = new Outbox();
      for (const sub of subs) {
        const qos = Math.min(sub.qos, e.qos) as Qos;
        const lit = sub.literal;
        if (lit) {
          if (lit.kind === 'feed' && this.feedMatches(user, lit.ident, lit.identLower, e.feed)) out.add(sub.filter, lit.format, qos);
          continue;
        }
        canonical ??= canonicalTopics((a, f) => feedTopic(user.username, a === 'a' ? 'feeds' : 'f', e.feed.key, f));
        for (const c of canonical) if (levelsMatch(sub.levels, c.levels)) out.add(c.topic, c.format, qos);
      }
      for (const [topic, { format, qos }] of out.topics) {
        let payload = payloads.get(format);
        if (payload === undefined) {
          payload = feedPayload(this.core, e.feed, e.datum, format);
          payloads.set(format, payload);
        }
        session.send(topic, payload, qos);
        this.core.metrics?.delivered();
      }
    }
  }

  private deliverGroups(user: UserRow, sessions: Map<Session, Map<string, Sub>>, run: Pending[]): void {
    if (run.length === 0) return;
    const memberships = this.core.feeds.memberships(
      user,
      run.map((e) => e.feed.id),
    );
    const groups = new Map<number, { group: GroupRow; events: Pending[] }>();
    for (const e of run) {
      for (const g of memberships.get(e.feed.id) ?? []) {
        const entry = groups.get(g.id);
        if (entry) entry.events.push(e);
        else groups.set(g.id, { group: g, events: [e] });
      }
    }
    for (const { group, events } of groups.values()) {
      const entries: GroupEntry[] = events.map((e) => ({ key: keyInGroup(e.feed, group), value: e.datum.value }));
      const located = events.find((e) => e.datum.lat !== null || e.datum.lon !== null || e.datum.ele !== null)?.datum;
      const qosMax = Math.max(...events.map((e) => e.qos)) as Qos;
      let canonical: Canonical[] | undefined;
      const payloads = new Map<'json' | 'csv', string>();
      for (const [session, subs] of sessions) {
        if (session.closed) continue;
        const out = new Outbox();
        for (const sub of subs.values()) {
          const qos = Math.min(sub.qos, qosMax) as Qos;
          const lit = sub.literal;
          if (lit) {
            if (lit.kind === 'group' && this.groupMatches(user, lit.ident, lit.identLower, group)) out.add(sub.filter, lit.format, qos);
            continue;
          }
          canonical ??= canonicalTopics((a, f) => groupTopic(user.username, a === 'a' ? 'groups' : 'g', group.key, f));
          for (const c of canonical) if (levelsMatch(sub.levels, c.levels)) out.add(c.topic, c.format, qos);
        }
        for (const [topic, { format, qos }] of out.topics) {
          const fmt = groupFormat(format);
          let payload = payloads.get(fmt);
          if (payload === undefined) {
            payload = groupPayload(entries, located, fmt);
            payloads.set(fmt, payload);
          }
          session.send(topic, payload, qos);
          this.core.metrics?.delivered();
        }
      }
    }
  }

  /** Whether a topic identifier names `feed`, resolved the way a PUBLISH to it would be. */
  private feedMatches(user: UserRow, ident: string, identLower: string, feed: FeedRow): boolean {
    if (identLower === feed.key || identLower === `default.${feed.key}`) return true;
    if (ident !== feed.name && ident !== String(feed.id)) return false;
    // A name or id: make sure no other feed claims the identifier first (keys win over names).
    return this.core.feeds.find(user, ident)?.id === feed.id;
  }

  private groupMatches(user: UserRow, ident: string, identLower: string, group: GroupRow): boolean {
    if (identLower === group.key) return true;
    if (ident !== group.name && ident !== String(group.id)) return false;
    return this.core.groups.find(user, ident)?.id === group.id;
  }

  /** A message on `{user}/errors` to every session of `username` subscribed to it. */
  report(username: string, text: string): void {
    this.toUserTopic(username, [username, 'errors'], text);
  }

  /** A message on `{user}/throttle` (a JSON-quoted string, as the hosted service sends). */
  throttle(username: string, text: string): void {
    this.toUserTopic(username, [username, 'throttle'], JSON.stringify(text));
  }

  private toUserTopic(username: string, levels: readonly string[], payload: string): void {
    const sessions = this.index.forUser(username);
    if (!sessions) return;
    const topic = levels.join('/');
    for (const [session, subs] of sessions) {
      if (session.closed) continue;
      for (const sub of subs.values()) {
        if (levelsMatch(sub.levels, levels)) {
          session.send(topic, payload, 0);
          this.core.metrics?.delivered();
          break;
        }
      }
    }
  }

  /** A time message to every session with a filter matching `time/{unit}`. */
  time(unit: TimeUnit, payload: string): void {
    const levels = ['time', unit];
    const topic = `time/${unit}`;
    for (const [session, subs] of this.index.timeSessions()) {
      if (session.closed) continue;
      for (const sub of subs.values()) {
        if (levelsMatch(sub.levels, levels)) {
          session.send(topic, payload, 0);
          this.core.metrics?.delivered();
          break;
        }
      }
    }
  }
}

/** A data point as a feed topic carries it: plain value text, CSV `value,lat,lon,ele`, or the JSON data record. */
export function feedPayload(core: Core, feed: FeedRow, row: DataRow, format: TopicFormat): string {
  if (format === 'csv') return csvLine(row.value, row.lat, row.lon, row.ele);
  if (format === 'json') return JSON.stringify(core.serialize.datum(row, feed.key));
  return row.value;
}

export function groupPayload(entries: readonly GroupEntry[], location: LocationIn | null | undefined, format: 'json' | 'csv'): string {
  return format === 'csv' ? formatGroupCsv(entries, location) : formatGroupJson(entries, location);
}
