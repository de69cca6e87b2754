// Fixtures of the test control plane (issue #18): create or replace an account from JSON, and
// export one in the same shape. Records are made through the same services as the API (so a
// fixture is validated exactly as requests are), all in one transaction: a bad fixture changes
// nothing, and its error names the field (`feeds[2].data[7].created_at: ...`). Data points go in
// through one prepared insert, so a fixture of 10,000 points takes milliseconds.
//
// Secrets (the account key, token keys, webhook tokens) are stored only as hashes, so an export
// cannot give them back: it leaves them out, and a fixture without them gets new ones (answered in
// `ids`). Activities are not part of a fixture: seeding leaves the account's activity list empty.

import type { Accounts } from './accounts.js';
import { hashKey } from './accounts.js';
import type { Actions } from './actions.js';
import type { Blocks } from './blocks.js';
import type { Ctx } from './context.js';
import type { Dashboards } from './dashboards.js';
import type { PointRow } from '../db/reset-statements.js';
import { type DatumInput, parseDatum } from './data.js';
import type { Data } from './data.js';
import { AioError } from './errors.js';
import type { Feeds, Fields } from './feeds.js';
import type { Groups } from './groups.js';
import type { Integrations } from './integrations/integrations.js';
import { BREAKPOINTS, type Layouts } from './layouts.js';
import type { Permissions } from './permissions.js';
import type { Reset } from './reset.js';
import type { Tokens } from './tokens.js';
import type { DashboardRow, FeedRow, GroupRow, UserRow } from './types.js';
import type { Webhooks } from './webhooks.js';

export interface SeedServices {
  accounts: Accounts;
  feeds: Feeds;
  groups: Groups;
  data: Data;
  dashboards: Dashboards;
  blocks: Blocks;
  tokens: Tokens;
  webhooks: Webhooks;
  permissions: Permissions;
  actions: Actions;
  integrations: Integrations;
  reset: Reset;
}

/** Ids of what a seed made, by key (tokens, webhooks, actions, permissions: in fixture order). */
export interface SeedIds {
  account: number;
  /** The account key, when the fixture did not give one and the account was new. */
  key?: string;
  groups: Record<string, number>;
  feeds: Record<string, number>;
  dashboards: Record<string, number>;
  blocks: Record<string, number[]>;
  tokens: Array<{ id: number; key: string }>;
  webhooks: Array<{ id: number; feed: string; token: string }>;
  permissions: number[];
  actions: number[];
  integrations: number[];
}

const TOP_FIELDS = new Set([
  'key',
  'rate_limit',
  'time_zone',
  'groups',
  'feeds',
  'tokens',
  'webhooks',
  'dashboards',
  'permissions',
  'actions',
  'integrations',
]);
const FEED_FIELDS = [
  'description',
  'license',
  'unit_type',
  'unit_symbol',
  'history',
  'enabled',
  'visibility',
  'status_notify',
  'status_timeout',
] as const;
const DASHBOARD_FIELDS = [
  'description',
  'visibility',
  'show_header',
  'block_borders',
  'allow_overlap',
  'header_image_url',
  'color_mode',
] as const;
const TOKEN_FLAGS = ['readable', 'createable', 'updateable', 'deleteable'] as const;
const ACTION_FEEDS = [
  ['feed', 'feed_id'],
  ['to_feed', 'to_feed_id'],
  ['action_feed', 'action_feed_id'],
] as const;
const ACTION_FIELDS = [
  'trigger_type',
  'operator',
  'value',
  'action',
  'action_value',
  'schedule',
  'action_url',
  'action_email',
  'enabled',
] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A 422 naming where in the fixture it went wrong. */
function bad(at: string, message: string): AioError {
  return new AioError(422, `${at}: ${message}`);
}

/** Runs `fn`, prefixing a validation error with the fixture path it came from. */
function at<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw relabel(path, err);
  }
}

/** A validation error prefixed with the fixture path it came from (anything else as it was). */
function relabel(path: string, err: unknown): unknown {
  if (err instanceof AioError && err.status < 500) {
    return new AioError(err.status === 400 ? 422 : err.status, `${path}: ${err.message.replace(/^Validation failed: /, '')}`);
  }
  return err;
}

function list(fixture: Record<string, unknown>, name: string): Record<string, unknown>[] {
  const v = fixture[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(name, 'must be an array');
  v.forEach((item, i) => {
    if (!isObject(item)) throw bad(`${name}[${i}]`, 'must be an object');
  });
  return v as Record<string, unknown>[];
}

function text(v: unknown, path: string, opts: { optional?: boolean } = {}): string | undefined {
  if (v === undefined || v === null) {
    if (opts.optional) return undefined;
    throw bad(path, 'is required');
  }
  if (typeof v !== 'string' || v === '') throw bad(path, 'must be a non-empty string');
  return v;
}

function pick(src: Record<string, unknown>, names: readonly string[]): Fields {
  const out: Fields = {};
  for (const n of names) if (src[n] !== undefined) out[n] = src[n];
  return out;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class Fixtures {
  constructor(
    private readonly ctx: Ctx,
    private readonly s: SeedServices,
  ) {}

  /**
   * Creates the account, or empties and refills it (it keeps its key unless the fixture gives one),
   * in one transaction; answers the ids of what was made.
   */
  seed(username: string, fixture: unknown): SeedIds {
    if (!isObject(fixture)) throw new AioError(400, 'bad request - the fixture must be a JSON object');
    for (const k of Object.keys(fixture)) if (!TOP_FIELDS.has(k)) throw bad(k, 'is not a fixture field');
    const key = text(fixture.key, 'key', { optional: true });
    if (key !== undefined && (key.length > 256 || /[\r\n]/.test(key))) throw bad('key', 'must be 1 to 256 characters on one line');
    const rateLimit = fixture.rate_limit;
    if (
      rateLimit !== undefined &&
      rateLimit !== null &&
      (typeof rateLimit !== 'number' || !Number.isSafeInteger(rateLimit) || rateLimit < 0)
    ) {
      throw bad('rate_limit', 'must be a whole number of points per minute (0: unlimited) or null');
    }
    const existing = this.s.accounts.find(username);
    const userIds = existing ? [existing.id] : [];
    let made: UserRow | undefined;
    const ids = this.s.reset.inTransaction(userIds, () => {
      let user: UserRow;
      let generated: string | undefined;
      if (existing) {
        this.s.reset.empty(existing);
        user = key === undefined ? existing : at('key', () => this.s.accounts.setKey(username, key).user);
      } else {
        const res = at('account', () => this.s.accounts.add(username, key));
        user = res.user;
        if (key === undefined) generated = res.key;
      }
      made = user;
      const settings: Partial<UserRow> = {};
      if (rateLimit !== undefined) settings.rateLimit = rateLimit as number | null;
      if (fixture.time_zone !== undefined) settings.timeZone = text(fixture.time_zone, 'time_zone');
      if (Object.keys(settings).length > 0) user = this.ctx.stores.accounts.update(user.id, { ...settings, updatedAt: this.ctx.clock() })!;
      const ids = this.fill(user, fixture);
      ids.account = user.id;
      if (generated !== undefined) ids.key = generated;
      return ids;
    });
    // Seeding is not something the account did: the activities its records made (written as their
    // events are delivered, at the commit) go.
    this.ctx.stores.reset.clearActivitiesOf(ids.account);
    // The new account's working set (the transaction's finally saw no id for a new one).
    if (!existing && made) {
      this.ctx.limiter.forget(made.id);
      this.s.actions.engine.resync(made.id);
    }
    if (existing) this.ctx.events.emit('reset', { userId: existing.id, disconnect: false });
    return ids;
  }

  private fill(owner: UserRow, fixture: Record<string, unknown>): SeedIds {
    // The rate limit is for devices, not for the fixture: the services take from an unlimited copy.
    const user: UserRow = { ...owner, rateLimit: 0 };
    const ids: SeedIds = {
      account: owner.id,
      groups: {},
      feeds: {},
      dashboards: {},
      blocks: {},
      tokens: [],
      webhooks: [],
      permissions: [],
      actions: [],
      integrations: [],
    };
    const s = this.s;
    const now = this.ctx.clock();

    const groups = list(fixture, 'groups');
    const byKey = new Map<string, GroupRow>([['default', s.groups.defaultGroup(user)]]);
    groups.forEach((g, i) => {
      const path = `groups[${i}]`;
      const key = text(g.key, `${path}.key`);
      const row = at(path, () => s.groups.create(user, { ...pick(g, ['name', 'description', 'visibility']), key, name: g.name ?? key }));
      byKey.set(row.key, row);
      ids.groups[row.key] = row.id;
    });

    const feeds = list(fixture, 'feeds');
    const feedRows = new Map<string, FeedRow>();
    const points: Array<{ feed: FeedRow; rows: PointRow[] }> = [];
    feeds.forEach((f, i) => {
      const path = `feeds[${i}]`;
      const key = text(f.key, `${path}.key`)!;
      const dot = key.lastIndexOf('.');
      const groupKey = dot === -1 ? 'default' : key.slice(0, dot);
      const group = byKey.get(groupKey);
      if (!group) throw bad(`${path}.key`, `names group "${groupKey}", which is not in groups`);
      const local = key.slice(dot + 1);
      const feed = at(path, () => s.feeds.create(user, group, { ...pick(f, FEED_FIELDS), key: local, name: f.name ?? local }));
      feedRows.set(feed.key, feed);
      ids.feeds[feed.key] = feed.id;
      const data = f.data;
      if (data === undefined || data === null) return;
      if (!Array.isArray(data)) throw bad(`${path}.data`, 'must be an array');
      const limit = feed.history ? this.ctx.config.maxValueBytes : this.ctx.config.maxValueBytesNoHistory;
      // Per point only what it takes to check it: its path in the fixture is spelled out on an error.
      const rows: PointRow[] = new Array(data.length);
      const dpath = (n: number) => `${path}.data[${n}]`;
      for (let n = 0; n < data.length; n++) {
        const d: unknown = data[n];
        if (!isObject(d)) throw bad(dpath(n), 'must be an object');
        if (d.ago_ms !== undefined && d.created_at !== undefined) throw bad(dpath(n), 'give created_at or ago_ms, not both');
        let datum: DatumInput;
        try {
          datum = parseDatum(d);
        } catch (err) {
          throw relabel(dpath(n), err);
        }
        let createdAt = datum.createdAt ?? now;
        if (d.ago_ms !== undefined) {
          if (typeof d.ago_ms !== 'number' || !Number.isSafeInteger(d.ago_ms) || d.ago_ms < 0 || d.ago_ms > now) {
            throw bad(`${dpath(n)}.ago_ms`, 'must be a whole number of milliseconds before now, 0 or more');
          }
          createdAt = now - d.ago_ms;
        }
        // UTF-8 takes at most 3 bytes per UTF-16 unit: short values need no count.
        if (datum.value.length * 3 > limit && Buffer.byteLength(datum.value, 'utf8') > limit) {
          throw bad(`${dpath(n)}.value`, `is longer than ${limit} bytes`);
        }
        rows[n] = { id: '', value: datum.value, createdAt, lat: datum.lat ?? null, lon: datum.lon ?? null, ele: datum.ele ?? null };
      }
      points.push({ feed, rows });
    });
    for (const p of points) this.insertPoints(owner, p.feed, p.rows, now);

    // Memberships beyond the home group.
    groups.forEach((g, i) => {
      if (g.feeds === undefined || g.feeds === null) return;
      if (!Array.isArray(g.feeds)) throw bad(`groups[${i}].feeds`, 'must be an array of feed keys');
      const group = byKey.get(String(g.key))!;
      g.feeds.forEach((fk: unknown, n) => {
        const feed = feedRows.get(String(fk));
        if (!feed) throw bad(`groups[${i}].feeds[${n}]`, `"${String(fk)}" is not in feeds`);
        if (feed.groupId !== group.id) at(`groups[${i}].feeds[${n}]`, () => s.groups.addFeed(user, group, feed.key));
      });
    });

    list(fixture, 'tokens').forEach((tk, i) => {
      const path = `tokens[${i}]`;
      const secret = text(tk.key, `${path}.key`, { optional: true });
      const input: Fields = pick(tk, [...TOKEN_FLAGS, 'expiration']);
      if (tk.feed !== undefined) input.feed_id = tk.feed;
      const made = at(path, () => s.tokens.create(user, input));
      let keyOut = made.secret;
      if (secret !== undefined) {
        const hash = hashKey(secret);
        if (this.ctx.stores.reset.secretInUse(hash)) throw bad(`${path}.key`, 'is already in use (by a token or an account key)');
        this.ctx.stores.reset.setTokenSecret(owner.id, made.token.id, hash);
        keyOut = secret;
      }
      ids.tokens.push({ id: made.token.id, key: keyOut });
    });

    list(fixture, 'webhooks').forEach((w, i) => {
      const path = `webhooks[${i}]`;
      const feedKey = text(w.feed, `${path}.feed`)!;
      const feed = feedRows.get(feedKey);
      if (!feed) throw bad(`${path}.feed`, `"${feedKey}" is not in feeds`);
      const secret = text(w.token, `${path}.token`, { optional: true });
      const made = at(path, () => s.webhooks.create(user, feed, pick(w, ['kind'])));
      let token = made.token;
      if (secret !== undefined) {
        const hash = hashKey(secret);
        if (this.ctx.stores.reset.webhookTokenInUse(hash)) throw bad(`${path}.token`, 'is already in use');
        this.ctx.stores.reset.setWebhookToken(owner.id, made.receiver.id, hash);
        token = secret;
      }
      ids.webhooks.push({ id: made.receiver.id, feed: feed.key, token });
    });

    const dashRows = new Map<string, DashboardRow>();
    list(fixture, 'dashboards').forEach((d, i) => {
      const path = `dashboards[${i}]`;
      const key = text(d.key, `${path}.key`)!;
      const dash = at(path, () => s.dashboards.create(user, { ...pick(d, DASHBOARD_FIELDS), key, name: d.name ?? key }));
      dashRows.set(dash.key, dash);
      ids.dashboards[dash.key] = dash.id;
      const blockIds: number[] = [];
      list(d, 'blocks').forEach((b, n) => {
        const bpath = `${path}.blocks[${n}]`;
        const input: Fields = pick(b, ['name', 'description', 'visual_type', 'properties', 'size_x', 'size_y', 'column', 'row']);
        if (b.block_feeds !== undefined) {
          if (!Array.isArray(b.block_feeds)) throw bad(`${bpath}.block_feeds`, 'must be an array of {feed, group}');
          input.block_feeds = b.block_feeds.map((c: unknown) =>
            isObject(c) ? { feed_id: c.feed ?? c.feed_id, group_id: c.group ?? c.group_id ?? undefined } : c,
          );
        }
        blockIds.push(at(bpath, () => s.blocks.create(user, dash, input)).id);
      });
      ids.blocks[dash.key] = blockIds;
      if (d.layouts !== undefined && d.layouts !== null) {
        const layouts = this.layoutsIn(d.layouts, blockIds, `${path}.layouts`);
        at(`${path}.layouts`, () => s.dashboards.updateLayouts(s.dashboards.resolve(user, dash.key), layouts));
      }
    });

    list(fixture, 'permissions').forEach((p, i) => {
      const path = `permissions[${i}]`;
      const model = p.model;
      if (model !== 'feed' && model !== 'group' && model !== 'dashboard') throw bad(`${path}.model`, 'must be feed, group or dashboard');
      const object = text(p.object, `${path}.object`)!;
      const ref = at(`${path}.object`, () => s.permissions.object(user, model, object));
      ids.permissions.push(at(path, () => s.permissions.create(user, ref, pick(p, ['scope', 'scope_value', 'mode']))).id);
    });

    list(fixture, 'actions').forEach((a, i) => {
      const input: Fields = pick(a, ACTION_FIELDS);
      for (const [name, field] of ACTION_FEEDS) if (a[name] !== undefined) input[field] = a[name];
      ids.actions.push(at(`actions[${i}]`, () => s.actions.create(user, input)).id);
    });

    list(fixture, 'integrations').forEach((g, i) => {
      const path = `integrations[${i}]`;
      const service = g.service;
      if (service !== 'words' && service !== 'weather' && service !== 'air_quality') {
        throw bad(`${path}.service`, 'must be words (a randomizer), weather or air_quality');
      }
      const { service: _service, ...input } = g;
      ids.integrations.push(at(path, () => s.integrations.create(user, service, input)).id);
    });
    return ids;
  }

  /** The fast path: multi-row inserts of the points, the feed's count and last value once per feed. */
  private insertPoints(user: UserRow, feed: FeedRow, rows: PointRow[], now: number): void {
    if (rows.length === 0) return;
    // Without history a feed holds only its newest point.
    const kept = feed.history ? rows : [rows.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a))];
    const ids = this.ctx.ids;
    let last = kept[0]!;
    for (const r of kept) {
      r.id = ids.next(r.createdAt);
      if (r.createdAt >= last.createdAt) last = r;
    }
    const sql = this.ctx.stores.reset;
    sql.insertPoints(feed.id, user.id, now, kept);
    sql.noteBulkInsert(feed.id, kept.length, last.value, last.createdAt);
  }

  /** Fixture layouts name blocks by their index in the dashboard's `blocks`; stored ones by id. */
  private layoutsIn(raw: unknown, blockIds: number[], path: string): Record<string, unknown> {
    if (!isObject(raw)) throw bad(path, 'must be an object with breakpoint keys (xl, lg, md, sm, xs)');
    const out: Record<string, unknown> = {};
    for (const [bp, entries] of Object.entries(raw)) {
      if (!Array.isArray(entries)) {
        out[bp] = entries;
        continue;
      }
      out[bp] = entries.map((e: unknown, n) => {
        if (!isObject(e)) return e;
        const index = Number(e.i);
        const id = Number.isInteger(index) ? blockIds[index] : undefined;
        if (id === undefined)
          throw bad(`${path}.${bp}[${n}].i`, `must be the index of a block in this dashboard's blocks (0 to ${blockIds.length - 1})`);
        return { ...e, i: String(id) };
      });
    }
    return out;
  }

  /** The account in the fixture shape (secrets left out: only their hashes are stored). */
  export(username: string): Record<string, unknown> {
    const s = this.s;
    const user = s.reset.user(username);
    const groups = s.groups.list(user);
    const feeds = s.feeds.list(user);
    const feedById = new Map(feeds.map((f) => [f.id, f]));
    const feedKey = (id: number | null) => (id === null ? null : (feedById.get(id)?.key ?? null));
    const members = s.groups.feedsByGroup(user);
    const dashboards = s.dashboards.list(user);

    const permissions: Record<string, unknown>[] = [];
    const refs = [
      ...feeds.map((f) => ({ model: 'feed' as const, id: f.id, object: f.key })),
      ...groups.map((g) => ({ model: 'group' as const, id: g.id, object: g.key })),
      ...dashboards.map((d) => ({ model: 'dashboard' as const, id: d.id, object: d.key })),
    ];
    for (const ref of refs) {
      for (const p of s.permissions.list(user, { model: ref.model, id: ref.id })) {
        // Public visibility is the record's own field; its permission row follows it.
        if (p.scope === 'public') continue;
        permissions.push({ model: ref.model, object: ref.object, scope: p.scope, scope_value: p.scopeUsername, mode: p.mode });
      }
    }

    return {
      rate_limit: user.rateLimit,
      time_zone: user.timeZone,
      groups: groups
        .filter((g) => g.key !== 'default')
        .map((g) => ({
          key: g.key,
          name: g.name,
          description: g.description,
          visibility: g.visibility,
          feeds: (members.get(g.id) ?? []).filter((f) => f.groupId !== g.id).map((f) => f.key),
        })),
      feeds: feeds.map((f) => ({
        key: f.key,
        name: f.name,
        description: f.description,
        license: f.license,
        unit_type: f.unitType,
        unit_symbol: f.unitSymbol,
        history: f.history,
        enabled: f.enabled,
        visibility: f.visibility,
        status_notify: f.statusNotify,
        status_timeout: f.statusTimeout,
        data: this.ctx.stores.reset
          .pointsOf(f.id)
          .map((d) => ({ value: d.value, created_at: iso(d.createdAt), lat: d.lat, lon: d.lon, ele: d.ele })),
      })),
      tokens: s.tokens.list(user).map((t) => ({
        readable: t.readable,
        createable: t.createable,
        updateable: t.updateable,
        deleteable: t.deleteable,
        feed: feedKey(t.feedId),
        expiration: iso(t.expiration),
      })),
      webhooks: feeds.flatMap((f) => s.webhooks.list(user, f).map((w) => ({ feed: f.key, kind: w.kind }))),
      dashboards: dashboards.map((d) => {
        const blocks = s.blocks.list(user, d);
        const index = new Map(blocks.map((b, n) => [String(b.id), n]));
        const json = s.blocks.json(user, blocks);
        const layouts: Layouts = s.dashboards.layouts(d);
        return {
          key: d.key,
          name: d.name,
          description: d.description,
          visibility: d.visibility,
          show_header: d.showHeader,
          block_borders: d.blockBorders,
          allow_overlap: d.allowOverlap,
          header_image_url: d.headerImageUrl,
          color_mode: d.colorMode,
          blocks: blocks.map((b, n) => ({
            name: b.name,
            description: b.description,
            visual_type: b.visualType,
            properties: JSON.parse(b.properties) as unknown,
            size_x: b.sizeX,
            size_y: b.sizeY,
            column: b.column,
            row: b.row,
            block_feeds: (
              (json[n] as { block_feeds?: Array<{ feed: { key: string }; group: { key: string } | null }> }).block_feeds ?? []
            ).map((c) => ({ feed: c.feed.key, group: c.group?.key ?? null })),
          })),
          layouts: Object.fromEntries(
            BREAKPOINTS.map((bp) => [bp, (layouts[bp] ?? []).map((e) => ({ ...e, i: index.get(String(e.i)) ?? e.i }))]),
          ),
        };
      }),
      permissions,
      actions: s.actions.list(user).map((a) => ({
        trigger_type: a.triggerType,
        feed: feedKey(a.feedId),
        operator: a.operator,
        value: a.value,
        to_feed: feedKey(a.toFeedId),
        action: a.action,
        action_feed: feedKey(a.actionFeedId),
        action_value: a.actionValue,
        schedule: a.schedule,
        action_url: a.actionUrl,
        action_email: a.actionEmail,
        enabled: a.enabled,
      })),
      integrations: (['words', 'weather', 'air_quality'] as const).flatMap((service) =>
        s.integrations
          .list(user, service)
          .map((r) =>
            service === 'words'
              ? { service, name: r.name, ...(JSON.parse(r.settings) as Record<string, unknown>) }
              : { service, name: r.name, location: r.location, provider: r.provider },
          ),
      ),
    };
  }
}
