import type { DataStatements } from '../db/data-statements.js';
import { storageFault } from '../db/transactions.js';
import { ByteWriter } from './byte-writer.js';
import { ChartRollups } from './chart/rollups.js';
import type { Ctx } from './context.js';
import { invalid, notFound } from './errors.js';
import type { Feeds, Fields } from './feeds.js';
import type { Groups } from './groups.js';
import { datumJson, datumText } from './serializers/datum.js';
import { MAX_RANDOM, MIN_RANDOM, isDataId, timePrefix } from './ids.js';
import type { DataRow, FeedRow, GroupRow, UserRow } from './types.js';
import { MAX_DATA_TIME_MS, MIN_DATA_TIME_MS, checkTimeRange, coordinate, parseTime, valueText } from './values.js';

/** A data point as every door hands it to the core: the value already as text. */
export interface DatumInput {
  value: string;
  lat?: number | null;
  lon?: number | null;
  ele?: number | null;
  /** ms since the epoch; now when absent. */
  createdAt?: number;
}

export interface PageQuery {
  startMs?: number;
  endMs?: number;
  /** Only records strictly older than this id (the pagination cursor). */
  beforeId?: string;
  limit: number;
}

const NO_DATA = 'not found - no data available for this feed';

/**
 * Reads the datum fields of an HTTP-style body. When the body was JSON and carries no `value` key,
 * the whole body is the value ("non-IO formatted JSON").
 */
export function parseDatum(fields: Fields, opts: { rawJson?: string } = {}): DatumInput {
  let value = valueText(fields.value);
  if (value === undefined && !('value' in fields) && opts.rawJson !== undefined && Object.keys(fields).length > 0) {
    value = opts.rawJson;
  }
  if (value === undefined) throw invalid("Validation failed: Value can't be blank");
  const out: DatumInput = {
    value,
    lat: coordinate(fields.lat, 'Lat'),
    lon: coordinate(fields.lon, 'Lon'),
    ele: coordinate(fields.ele, 'Ele'),
  };
  const loc = fields.location;
  if (loc && typeof loc === 'object' && !Array.isArray(loc)) {
    const l = loc as Fields;
    out.lat ??= coordinate(l.lat, 'Lat');
    out.lon ??= coordinate(l.lon, 'Lon');
    out.ele ??= coordinate(l.ele, 'Ele');
  }
  if (fields.created_at !== undefined && fields.created_at !== null && fields.created_at !== '') {
    const ms = parseTime(fields.created_at);
    if (ms === null) throw invalid(`Validation failed: created_at must be an ISO-8601 date, got "${String(fields.created_at)}"`);
    out.createdAt = checkTimeRange(ms, 'created_at', MIN_DATA_TIME_MS, MAX_DATA_TIME_MS);
  } else if (fields.epoch !== undefined && fields.epoch !== null && fields.epoch !== '') {
    const n = typeof fields.epoch === 'number' ? fields.epoch : Number(fields.epoch);
    if (!Number.isFinite(n)) throw invalid('Validation failed: epoch must be a number of seconds');
    out.createdAt = checkTimeRange(Math.round(n * 1000), 'epoch', MIN_DATA_TIME_MS, MAX_DATA_TIME_MS);
  }
  return out;
}

function pageBounds(q: PageQuery): { lo: string; hi: string } {
  const lo = q.startMs === undefined ? '' : timePrefix(q.startMs) + MIN_RANDOM;
  let hi = q.endMs === undefined ? '~' : timePrefix(q.endMs) + MAX_RANDOM;
  if (q.beforeId !== undefined && q.beforeId < hi) hi = q.beforeId;
  return { lo, hi };
}

/** Feeds whose data/last answer is kept (a map cleared when full: the polled ones come back at once). */
const LAST_TEXT_MAX = 10_000;

export class Data {
  readonly sql: DataStatements;
  /** The scratch every page is written into (pageText). */
  private readonly pageBytes = new ByteWriter();
  private readonly lastTexts = new Map<string, { changes: number; version: number; text: string }>();
  /** Feeds found by key in the current transaction (see findFeed), and its Transactions.epoch. */
  private readonly txFeeds = new Map<string, FeedRow>();
  private txFeedsEpoch = -1;
  /** Chart rollups: every data write below keeps them in step, in the same transaction. */
  readonly chart: ChartRollups;

  constructor(
    private readonly ctx: Ctx,
    private readonly feeds: Feeds,
    private readonly groups: Groups,
  ) {
    this.sql = ctx.stores.data;
    this.chart = new ChartRollups(ctx.stores.chart, ctx.clock);
  }

  private insertAll(
    user: UserRow,
    items: Array<{ feed: FeedRow; datum: DatumInput }>,
    now: number,
  ): Array<{ feed: FeedRow; row: DataRow }> {
    // One point in a transaction already open (a group commit's savepoint, bench mqtt-ingest): its
    // INSERT is the statement that may be refused and nothing of it was written before; whatever
    // fails after it throws through the enclosing savepoint, which takes the point along. A savepoint
    // of its own would add two statements a point and protect nothing more.
    if (items.length === 1 && this.ctx.tx.active) return this.insertRows(user, items, now);
    return this.ctx.tx.run(() => this.insertRows(user, items, now));
  }

  private insertRows(
    user: UserRow,
    items: Array<{ feed: FeedRow; datum: DatumInput }>,
    now: number,
  ): Array<{ feed: FeedRow; row: DataRow }> {
    const s = this.sql;
    const rows: Array<{ feed: FeedRow; row: DataRow }> = [];
    for (const { feed, datum } of items) {
      const createdAt = datum.createdAt ?? now;
      const id = this.ctx.ids.next(createdAt);
      const row: DataRow = {
        id,
        feedId: feed.id,
        userId: user.id,
        value: datum.value,
        lat: datum.lat ?? null,
        lon: datum.lon ?? null,
        ele: datum.ele ?? null,
        createdAt,
        updatedAt: now,
      };
      s.insert.run(id, feed.id, user.id, row.value, row.lat, row.lon, row.ele, createdAt, now);
      if (feed.history) {
        s.noteInsert.run(feed.id, 1, row.value, createdAt);
        this.chart.added(row);
      } else {
        // Without history only the newest point is kept.
        s.dropOthers.run(feed.id, id);
        s.setCount.run(1, feed.id);
        s.setLast.run(row.value, createdAt, feed.id);
        this.chart.reset(row);
      }
      rows.push({ feed, row });
    }
    return rows;
  }

  /**
   * Runs `fn` in one transaction, so that the points it stores are committed together when it
   * returns (each store() in a savepoint of its own); their data events fire after the commit.
   */
  group<T>(fn: () => T): T {
    return this.ctx.tx.run(fn);
  }

  /**
   * Runs `write` (a call that stores data) in this turn's group commit (core/write-queue.ts): the
   * promise settles, with the write's result or error, only after the commit that holds it, so a 2xx
   * or a PUBACK never goes out before its point is stored.
   */
  soon<T>(write: () => T): Promise<T> {
    return this.ctx.writes.submit(write);
  }

  /**
   * A feed by identifier, as Feeds.find resolves it. The key, by far the most common identifier,
   * is tried first with the lean data-path statement; anything else takes the full rule.
   */
  findFeed(user: UserRow, ident: string): FeedRow | undefined {
    const key = ident.toLowerCase();
    const tx = this.ctx.tx;
    if (!tx.active) return this.sql.feedByKey.get(user.id, key) ?? this.feeds.find(user, ident);
    // In a group commit the writes of one batch mostly name the same few feeds: each is read once a
    // transaction (bench mqtt-ingest: the read was a tenth of a publish). The epoch moves when the
    // transaction ends or any part of it rolls back, so a kept row is always this transaction's view;
    // and the writes a batch runs create feeds but never rename, change or delete one.
    if (this.txFeedsEpoch !== tx.epoch) {
      this.txFeeds.clear();
      this.txFeedsEpoch = tx.epoch;
    }
    const mapKey = `${user.id}/${key}`;
    let feed = this.txFeeds.get(mapKey);
    if (feed === undefined) {
      feed = this.sql.feedByKey.get(user.id, key);
      if (feed === undefined) return this.feeds.find(user, ident);
      this.txFeeds.set(mapKey, feed);
    }
    return feed;
  }

  /** Stores points on one feed, all or nothing. `qos`: that of the MQTT PUBLISH carrying them. */
  create(user: UserRow, feed: FeedRow, inputs: DatumInput[], qos?: 0 | 1): DataRow[] {
    return this.store(
      user,
      inputs.map((datum) => ({ feed, datum })),
      qos,
    ).map((r) => r.row);
  }

  /**
   * POST to a feed that may not exist yet: the feed is made from the identifier, inside the group
   * when the identifier is `group.feed`.
   */
  createOrAutoCreate(user: UserRow, ident: string, inputs: DatumInput[], qos?: 0 | 1): { feed: FeedRow; rows: DataRow[] } {
    const found = this.findFeed(user, ident);
    if (found) return { feed: found, rows: this.create(user, found, inputs, qos) };
    // Checked before making the feed, so a refusal costs no work; the transaction makes sure that
    // a write refused later (or failing) leaves no feed or group behind either.
    for (const input of inputs) this.checkValue(input, true);
    this.ctx.limiter.check(user, inputs.length + this.autoCreateCost(user, ident));
    return this.ctx.tx.run(() => {
      const feed = this.autoCreate(user, ident);
      return { feed, rows: this.create(user, feed, inputs, qos) };
    });
  }

  /** POST to `groups/{group}/feeds/{feed}/data`: the feed is made in the group on first use. */
  createInGroupFeed(user: UserRow, group: GroupRow, ident: string, inputs: DatumInput[]): { feed: FeedRow; rows: DataRow[] } {
    const found = this.feeds.findInGroup(user, group, ident);
    if (found) return { feed: found, rows: this.create(user, found, inputs) };
    for (const input of inputs) this.checkValue(input, true);
    this.ctx.limiter.check(user, inputs.length + 1);
    return this.ctx.tx.run(() => {
      const feed = this.autoCreate(user, ident, group);
      return { feed, rows: this.create(user, feed, inputs) };
    });
  }

  /**
   * Group data by group identifier, the group made on first use (Arduino's io.group("name") never
   * creates one over HTTP; an MQTT publish to it does), all or nothing.
   */
  createInGroupOrAutoCreate(user: UserRow, ident: string, entries: Array<{ key: string; datum: DatumInput }>, qos?: 0 | 1) {
    return this.ctx.tx.run(() => {
      const group = this.groups.find(user, ident) ?? this.groups.create(user, { name: ident });
      return this.createInGroup(user, group, entries, qos);
    });
  }

  /** Feeds and groups an auto-create would make (each takes a token like any create). */
  private autoCreateCost(user: UserRow, ident: string): number {
    const dot = ident.indexOf('.');
    return dot > 0 && !this.groups.find(user, ident.slice(0, dot)) ? 2 : 1;
  }

  autoCreate(user: UserRow, ident: string, group?: GroupRow): FeedRow {
    const dot = ident.indexOf('.');
    if (!group && dot > 0) {
      const groupIdent = ident.slice(0, dot);
      group = this.groups.find(user, groupIdent) ?? this.groups.create(user, { name: groupIdent });
      ident = ident.slice(dot + 1);
    }
    return this.feeds.create(user, group ?? this.groups.defaultGroup(user), { name: ident });
  }

  /** Group data: one point per named feed, feeds missing from the group made in it. */
  createInGroup(user: UserRow, group: GroupRow, entries: Array<{ key: string; datum: DatumInput }>, qos?: 0 | 1) {
    if (entries.length === 0) throw invalid("Validation failed: feeds can't be blank");
    const found = entries.map((e) => this.feeds.findInGroup(user, group, e.key));
    for (let i = 0; i < entries.length; i++) this.checkValue(entries[i]!.datum, found[i]?.history ?? true);
    const newFeeds = new Set(entries.filter((_, i) => !found[i]).map((e) => e.key)).size;
    this.ctx.limiter.check(user, entries.length + newFeeds);
    return this.ctx.tx.run(() => {
      const made = new Map<string, FeedRow>();
      const items = entries.map((e, i) => {
        let feed = found[i] ?? made.get(e.key);
        if (!feed) made.set(e.key, (feed = this.autoCreate(user, e.key, group)));
        return { feed, datum: e.datum };
      });
      return this.store(user, items, qos);
    });
  }

  /**
   * Points another account writes on the owner's existing feeds, once core/permissions.ts has said it
   * may: stored as the owner's, from the writer's rate budget; never creates a feed.
   */
  storeShared(
    writer: UserRow,
    owner: UserRow,
    items: Array<{ feed: FeedRow; datum: DatumInput }>,
    qos?: 0 | 1,
  ): Array<{ feed: FeedRow; row: DataRow }> {
    return this.store(owner, items, qos, writer);
  }

  /** `payer`: whose rate budget the points come from (the owner's unless someone they shared with wrote). */
  private store(
    user: UserRow,
    items: Array<{ feed: FeedRow; datum: DatumInput }>,
    qos?: 0 | 1,
    payer: UserRow = user,
  ): Array<{ feed: FeedRow; row: DataRow }> {
    const now = this.ctx.clock();
    for (const { feed, datum } of items) {
      if (!feed.enabled) throw invalid(`feed ${feed.key} is disabled and does not accept data`);
      this.checkValue(datum, feed.history);
    }
    this.ctx.limiter.take(payer, items.length);
    const rows = this.insertAll(user, items, now);
    for (const { feed, row } of rows) {
      feed.dataCount += 1;
      if (feed.lastValueAt === null || row.createdAt >= feed.lastValueAt) {
        feed.lastValue = row.value;
        feed.lastValueAt = row.createdAt;
      }
      this.ctx.events.emit('data', qos === undefined ? { user, feed, datum: row } : { user, feed, datum: row, qos });
    }
    return rows;
  }

  private checkValue(datum: DatumInput, history: boolean): void {
    const limit = history ? this.ctx.config.maxValueBytes : this.ctx.config.maxValueBytesNoHistory;
    if (Buffer.byteLength(datum.value, 'utf8') > limit) {
      throw invalid(
        `Validation failed: Value is too long (maximum is ${limit} bytes${history ? ' on a feed with history; turn history off for up to 100 KB' : ''})`,
      );
    }
  }

  get(feed: FeedRow, id: string): DataRow {
    const row = isDataId(id) ? this.sql.get.get(feed.id, id) : undefined;
    if (!row) throw notFound();
    return row;
  }

  update(user: UserRow, feed: FeedRow, id: string, fields: Fields): DataRow {
    const current = this.get(feed, id);
    const value = valueText(fields.value);
    const next = {
      feedId: feed.id,
      id,
      value: value ?? current.value,
      lat: 'lat' in fields ? coordinate(fields.lat, 'Lat') : current.lat,
      lon: 'lon' in fields ? coordinate(fields.lon, 'Lon') : current.lon,
      ele: 'ele' in fields ? coordinate(fields.ele, 'Ele') : current.ele,
      updatedAt: this.ctx.clock(),
    };
    if (value === undefined && !('lat' in fields) && !('lon' in fields) && !('ele' in fields)) {
      throw invalid("Validation failed: Value can't be blank");
    }
    this.checkValue({ value: next.value }, feed.history);
    this.ctx.limiter.take(user, 1);
    this.ctx.tx.run(() => {
      this.sql.update.run(next);
      if (next.value !== current.value) this.chart.updated(current);
      this.refreshLast(feed);
    });
    return { ...current, ...next };
  }

  delete(user: UserRow, feed: FeedRow, id: string): DataRow {
    const current = this.get(feed, id);
    this.ctx.limiter.take(user, 1);
    this.ctx.tx.run(() => {
      this.sql.remove.run(feed.id, id);
      this.sql.uncount.run(1, feed.id);
      this.chart.removed(current);
      this.refreshLast(feed);
    });
    return current;
  }

  private refreshLast(feed: FeedRow): void {
    const last = this.sql.last.get(feed.id);
    if (last) this.sql.setLast.run(last.value, last.createdAt, feed.id);
  }

  /** Newest first, bounded by time and cursor; one row more than asked tells whether older ones remain. */
  page(feed: FeedRow, q: PageQuery): { rows: DataRow[]; more: boolean } {
    const { lo, hi } = pageBounds(q);
    const rows = this.sql.page.all(feed.id, lo, hi, q.limit + 1);
    const more = rows.length > q.limit;
    if (more) rows.pop();
    return { rows, more };
  }

  /**
   * page() as the JSON of its records (what GET data answers without `include=`), as UTF-8 bytes
   * written straight from raw rows of the record's columns: no row objects, no record objects, no
   * generic stringify, and no page-long string for the reply to flatten and encode (ByteWriter).
   */
  pageText(feed: FeedRow, q: PageQuery): { body: Buffer; count: number; more: boolean; lastId: string | undefined } {
    const { lo, hi } = pageBounds(q);
    const rows = this.sql.pageRows.all(feed.id, lo, hi, q.limit + 1);
    const more = rows.length > q.limit;
    const count = more ? q.limit : rows.length;
    const key = JSON.stringify(feed.key);
    const days = this.ctx.config.retentionDays;
    const out = this.pageBytes.start();
    out.text('[');
    for (let i = 0; i < count; i++) {
      const r = rows[i]!;
      out.text(`${i > 0 ? ',' : ''}${datumText(r[0], r[1], feed.id, key, r[5], r[2], r[3], r[4], days)}`);
    }
    out.text(']');
    return { body: out.take(), count, more, lastId: count > 0 ? rows[count - 1]![0] : undefined };
  }

  /**
   * Changes whenever anything may have been written to the database, by this process (any row
   * change, a read pointer moving included) or another one: a door may keep an answer computed
   * from the database for as long as this stays the same.
   */
  changeMark(): [number, number] {
    return this.sql.changeMark.get()!;
  }

  /**
   * Points in a time range. Without a start, the feed's running count minus the few points newer
   * than the end, so that a total on a huge feed never scans it.
   */
  total(feed: FeedRow, startMs?: number, endMs?: number): number {
    const hi = endMs === undefined ? undefined : timePrefix(endMs) + MAX_RANDOM;
    if (startMs === undefined) {
      const count = this.feedCount(feed);
      return hi === undefined ? count : count - this.sql.countAbove.get(feed.id, hi)!.n;
    }
    return this.sql.countRange.get(feed.id, timePrefix(startMs) + MIN_RANDOM, hi ?? '~')!.n;
  }

  private feedCount(feed: FeedRow): number {
    return this.sql.count.get(feed.id)?.n ?? 0;
  }

  /**
   * The one rule for "the last value" (data/retain, MQTT `/get`, group `/get`): the newest stored
   * point; when retention has removed every point, the feed's last value, without a location.
   * Undefined when the feed never had a value. Unlike data/last, it moves no read pointer. (The
   * stand-in for an expired point has an empty id: it is no longer a record.)
   */
  latest(feed: FeedRow): DataRow | undefined {
    const row = this.sql.last.get(feed.id);
    if (row || feed.lastValue === null) return row;
    const at = feed.lastValueAt ?? feed.updatedAt;
    return {
      id: '',
      feedId: feed.id,
      userId: feed.userId,
      value: feed.lastValue,
      lat: null,
      lon: null,
      ele: null,
      createdAt: at,
      updatedAt: at,
    };
  }

  /** The oldest and newest stored points (feed details), moving no read pointer. */
  ends(feed: FeedRow): { first: DataRow | undefined; last: DataRow | undefined } {
    return { first: this.sql.first.get(feed.id), last: this.sql.last.get(feed.id) };
  }

  last(feed: FeedRow): DataRow {
    return this.pointAt(feed, this.sql.lastPointed.get(feed.id));
  }

  /**
   * data/last by feed identifier: for a key (what clients poll with) the feed and its newest point
   * come from one read; any other identifier takes the usual two steps. Undefined: no such feed.
   */
  lastByIdent(user: UserRow, ident: string): { feed: FeedRow; row: DataRow } | undefined {
    const hit = this.sql.feedByKey.getWithLast(user.id, ident.toLowerCase());
    if (!hit) {
      const feed = this.feeds.find(user, ident);
      return feed && { feed, row: this.last(feed) };
    }
    return { feed: hit.feed, row: this.pointAt(hit.feed, hit.last && { row: hit.last, pointer: hit.feed.readPointer }) };
  }

  /**
   * data/last's record as JSON text, the most polled answer: kept per identifier while the database
   * has not changed at all since (changeMark(): any row this process changed, or any commit of another
   * process). Kept only when the read pointer was already on the point, so a kept answer is the same
   * bytes and leaves the pointer where this read would have put it. (bench http-last: the lookup and
   * serialisation were a fifth of the request; the mark costs a tenth of that.) Undefined: no such feed.
   */
  lastText(user: UserRow, ident: string): string | undefined {
    const cacheKey = `${user.id}/${ident}`;
    const [changes, version] = this.changeMark();
    const cached = this.lastTexts.get(cacheKey);
    if (cached && cached.changes === changes && cached.version === version) return cached.text;
    const hit = this.lastByIdent(user, ident);
    if (!hit) return undefined;
    const text = JSON.stringify(datumJson(hit.row, hit.feed.key, this.ctx.config.retentionDays));
    if (hit.feed.readPointer === hit.row.id) {
      if (this.lastTexts.size >= LAST_TEXT_MAX) this.lastTexts.clear();
      this.lastTexts.set(cacheKey, { changes, version, text });
    }
    return text;
  }

  first(feed: FeedRow): DataRow {
    return this.pointAt(feed, this.sql.firstPointed.get(feed.id));
  }

  /** Moves the read pointer to the record read (a write only when it is not there already). */
  private pointAt(feed: FeedRow, hit: { row: DataRow; pointer: string | null } | undefined | null): DataRow {
    if (!hit) throw notFound(NO_DATA);
    if (hit.pointer !== hit.row.id) {
      try {
        this.sql.setPointer.run(hit.row.id, feed.id, hit.row.id);
      } catch (err) {
        // A busy or full database must not fail a read: the pointer moves on the next one.
        if (storageFault(err) === null) throw err;
      }
    }
    return hit.row;
  }

  /** The record after the read pointer (the oldest when nothing was read yet); moves the pointer. */
  next(feed: FeedRow): DataRow {
    const pointer = this.currentPointer(feed);
    const row = pointer ? this.sql.after.get(feed.id, pointer) : this.sql.first.get(feed.id);
    if (!row) throw notFound(pointer ? 'not found - there is no data newer than the last record read' : NO_DATA);
    this.sql.setPointer.run(row.id, feed.id, row.id);
    return row;
  }

  /** The record at the read pointer, without moving it. */
  previous(feed: FeedRow): DataRow {
    const pointer = this.currentPointer(feed);
    const row = pointer ? this.sql.get.get(feed.id, pointer) : undefined;
    if (!row) throw notFound(pointer ? 'not found - the last record read no longer exists' : NO_DATA);
    return row;
  }

  private currentPointer(feed: FeedRow): string | null {
    return this.sql.pointer.get(feed.id)?.p ?? null;
  }

  /** Removes points older than the retention period; returns how many went. */
  sweep(): number {
    const days = this.ctx.config.retentionDays;
    if (days <= 0) return 0;
    const cutoff = timePrefix(this.ctx.clock() - days * 86_400_000);
    let removed = 0;
    for (const { id } of this.sql.feedsWithData.all()) {
      for (;;) {
        // Small transactions so that writers never wait long behind the sweep.
        const n = this.ctx.tx.run(() => {
          const changes = this.sql.expire.run(id, cutoff, 5000).changes;
          if (changes > 0) {
            this.sql.uncount.run(changes, id);
            this.chart.expired(id);
          }
          return changes;
        });
        removed += n;
        if (n < 5000) break;
      }
    }
    return removed;
  }
}
