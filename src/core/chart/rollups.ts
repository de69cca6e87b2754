import type { ChartStatements, PointTuple, RawPoint } from '../../db/chart-statements.js';
import type { Clock } from '../clock.js';
import { idTimeMs, timePrefix } from '../ids.js';
import {
  AT,
  BLOCK_SLOTS,
  MINUTE,
  ROLLUP_SPANS,
  SLOT_BYTES,
  above,
  addSlot,
  addValue,
  blockOf,
  decodeBlock,
  emptySlot,
  encodeStats,
  minId,
  minuteOf,
  numericValue,
  slotAt,
  slotNumber,
  writeSlotAt,
  type Slot,
} from './slots.js';

/**
 * Write-behind. The rollups (see slots.ts) cover exactly the points with ids up to the feed's
 * `folded_id` (`chart_progress`). Inserting a point above it runs no statement at all; once a feed has
 * FOLD_BACKLOG unfolded points they are folded in as one batch, in the transaction of the insert
 * that reached the mark, rewriting a few blocks. (An upsert per point and span made a write 25-45%
 * dearer; a row per slot still cost 10-15% on a point-a-minute feed.) Charts add the unfolded
 * points from raw, so they are always exact and never write. Everything below `folded_id` is kept
 * exact at once, in the transaction of the change: a late point (created_at before the folded
 * mark) is added to its slots, and an update, delete or expiry rebuilds the affected minute from
 * its raw points and each coarser slot above it from the finer ones.
 */

/** Unfolded points a feed may have before they are folded into the rollups. */
export const FOLD_BACKLOG = 256;

/** What the rollups need of a point. */
export type ChartPoint = Pick<RawPoint, 'id' | 'userId' | 'value' | 'createdAt'> & { feedId: number };

/**
 * What this process knows of a feed, so that an insert runs no statement: points created at or
 * after `notLateFrom` are above the folded mark, and `pending` counts points since the last fold.
 * Loaded from the database on first use. It may only err towards checking the database (after a
 * rolled-back fold `notLateFrom` is too high, which costs a read, never exactness), given that this
 * process is the only writer of its database, as the id factory also assumes.
 */
interface FeedHint {
  notLateFrom: number;
  pending: number;
}

/**
 * Keeps the rollups exact. Called by core/data.ts inside the transaction of every data write;
 * nothing here opens a transaction of its own.
 */
export class ChartRollups {
  private readonly hints = new Map<number, FeedHint>();

  constructor(
    private readonly sql: ChartStatements,
    private readonly clock: Clock,
  ) {}

  /** A point was inserted on a feed with history (after the feed's count was raised). */
  added(p: ChartPoint): void {
    let hint = this.hints.get(p.feedId);
    if (hint === undefined) hint = this.loadHint(p.feedId);
    else hint.pending++;
    if (p.createdAt < hint.notLateFrom) {
      const w = this.sql.foldedId.get(p.feedId)?.w;
      if (w !== undefined && p.id < w) {
        // A late point below the folded mark: counted in at once.
        this.addLate(p, w);
        this.sql.addFolded.run(1, p.feedId);
        hint.pending--;
        return;
      }
    }
    if (hint.pending >= FOLD_BACKLOG) this.fold(p.feedId);
  }

  private loadHint(feedId: number): FeedHint {
    const st = this.sql.state.get(feedId);
    const hint = {
      notLateFrom: st?.foldedId ? idTimeMs(st.foldedId) + 1 : -Infinity,
      pending: st ? st.dataCount - (st.foldedN ?? 0) : 0,
    };
    this.hints.set(feedId, hint);
    return hint;
  }

  /** The feed (history off) now holds only this point: the rollups start over. */
  reset(p: ChartPoint): void {
    if (this.sql.foldedId.get(p.feedId) === undefined) return;
    this.sql.dropFeed.run(p.feedId);
    this.sql.dropProgress.run(p.feedId);
  }

  /** A point's value changed. */
  updated(p: ChartPoint): void {
    const w = this.sql.foldedId.get(p.feedId)?.w;
    if (w !== undefined && p.id <= w) this.rebuild(p.feedId, p.userId, minuteOf(p.createdAt), w);
  }

  /** A point was deleted. */
  removed(p: ChartPoint): void {
    const w = this.sql.foldedId.get(p.feedId)?.w;
    if (w === undefined || p.id > w) return;
    this.rebuild(p.feedId, p.userId, minuteOf(p.createdAt), w);
    this.sql.addFolded.run(-1, p.feedId);
  }

  /**
   * The oldest points of the feed were removed (retention): slots older than the oldest point left
   * go, and that point's slots are rebuilt.
   */
  expired(feedId: number): void {
    const w = this.sql.foldedId.get(feedId)?.w;
    if (w === undefined) return;
    const oldest = this.sql.oldest.get(feedId);
    if (!oldest) {
      this.sql.dropFeed.run(feedId);
      this.sql.dropProgress.run(feedId);
      return;
    }
    const minute = minuteOf(oldest.createdAt);
    for (const span of ROLLUP_SPANS) {
      const first = Math.floor(minute / span);
      const block = blockOf(first);
      this.sql.dropBlocksBelow.run(feedId, span, block);
      const kept = decodeBlock(block, this.sql.block.get(feedId, span, block)).filter((s) => s.slot >= first);
      this.putSlots(feedId, oldest.userId, span, block, kept);
    }
    this.rebuild(feedId, oldest.userId, minute, w);
    const count = this.sql.state.get(feedId)?.dataCount ?? 0;
    this.sql.setFoldedN.run(count - this.sql.countAfter.get(feedId, w)!.n, feedId);
  }

  /**
   * Folds a feed's unfolded points now (normally done every FOLD_BACKLOG points). Points dated in
   * the future stay unfolded until their time comes: folding them would make every point written
   * before then a late one.
   */
  fold(feedId: number): void {
    const hint = this.hints.get(feedId);
    if (hint) hint.pending = 0;
    const st = this.sql.state.get(feedId);
    if (st === undefined) return;
    const w = st.foldedId ?? '';
    const points = this.sql.points.all(feedId, w === '' ? '' : above(w), timePrefix(this.clock() + 1));
    if (points.length === 0) return;
    const w2 = points[points.length - 1]![0];
    this.mergePoints(feedId, st.userId, points);
    this.sql.setProgress.run(feedId, st.userId, w2, st.dataCount - this.sql.countAfter.get(feedId, w2)!.n);
    if (hint) hint.notLateFrom = Math.max(hint.notLateFrom, idTimeMs(w2) + 1);
  }

  /** Adds points newer than everything folded (oldest first) into their slots of every span. */
  private mergePoints(feedId: number, userId: number, points: PointTuple[]): void {
    const minutes = points.map((p) => minuteOf(p[2]));
    const nums = points.map((p) => numericValue(p[1]));
    for (const span of ROLLUP_SPANS) {
      // The new points' slots, in order, then block by block into what is stored.
      const fresh: Slot[] = [];
      let cur: Slot | undefined;
      for (let i = 0; i < points.length; i++) {
        const slot = Math.floor(minutes[i]! / span);
        if (cur === undefined || cur.slot !== slot) fresh.push((cur = emptySlot(slot)));
        addValue(cur, points[i]![1], nums[i]!);
      }
      for (let i = 0; i < fresh.length; ) {
        const block = blockOf(fresh[i]!.slot);
        let j = i;
        while (j < fresh.length && blockOf(fresh[j]!.slot) === block) j++;
        this.appendSlots(feedId, userId, span, block, fresh.slice(i, j));
        i = j;
      }
    }
  }

  /**
   * Adds slots of newer points to a block. Newer points never fall before the block's last slot, so
   * the stored numbers are extended rather than decoded, the last slot merged in place if shared.
   */
  private appendSlots(feedId: number, userId: number, span: number, block: number, fresh: Slot[]): void {
    const row = this.sql.block.get(feedId, span, block);
    if (!row) return this.putSlots(feedId, userId, span, block, fresh, false);
    const base = block * BLOCK_SLOTS;
    const tail = row.stats.length - SLOT_BYTES; // the last slot's numbers
    const lastSlot = base + row.stats.readDoubleLE(tail + AT.slot);
    if (fresh[0]!.slot < lastSlot) {
      // Not expected (ids follow time), but stay exact whatever comes.
      const merged = decodeBlock(block, row);
      for (const f of fresh) {
        const at = merged.find((x) => x.slot === f.slot);
        if (at) addSlot(at, f);
        else merged.push(f);
      }
      merged.sort((a, b) => a.slot - b.slot);
      return this.putSlots(feedId, userId, span, block, merged);
    }
    const lasts = JSON.parse(row.lasts) as string[];
    let stats = row.stats;
    let rest = fresh;
    if (fresh[0]!.slot === lastSlot) {
      const shared = slotAt(row.stats, tail, base, lasts[lasts.length - 1]!);
      addSlot(shared, fresh[0]!);
      stats = row.stats.subarray(0, tail);
      lasts.pop();
      rest = [shared, ...fresh.slice(1)];
    }
    for (const f of rest) lasts.push(f.last);
    this.sql.updateBlock.run(Buffer.concat([stats, encodeStats(block, rest)]), JSON.stringify(lasts), feedId, span, block);
  }

  /**
   * Recomputes one minute from its folded points, then each coarser slot above it from the finer
   * slots under it (which share a block with it, as blocks are aligned).
   */
  private rebuild(feedId: number, userId: number, minute: number, w: string): void {
    let s: Slot = emptySlot(minute);
    const hi = timePrefix((minute + 1) * MINUTE);
    for (const [, value] of this.sql.points.all(feedId, timePrefix(minute * MINUTE), minId(hi, above(w)))) {
      addValue(s, value, numericValue(value));
    }
    let finer = this.setSlot(feedId, userId, 1, s);
    for (let i = ROLLUP_SPANS.length - 2; i >= 0; i--) {
      const span = ROLLUP_SPANS[i]!;
      const ratio = span / ROLLUP_SPANS[i + 1]!;
      s = emptySlot(Math.floor(minute / span));
      for (const c of finer) if (Math.floor(c.slot / ratio) === s.slot) addSlot(s, c);
      finer = this.setSlot(feedId, userId, span, s);
    }
  }

  /** Replaces one slot (an empty slot is removed); returns its block's slots. */
  private setSlot(feedId: number, userId: number, span: number, s: Slot): Slot[] {
    const block = blockOf(s.slot);
    const slots = decodeBlock(block, this.sql.block.get(feedId, span, block)).filter((x) => x.slot !== s.slot);
    if (s.n > 0) {
      slots.push(s);
      slots.sort((a, b) => a.slot - b.slot);
    }
    this.putSlots(feedId, userId, span, block, slots);
    return slots;
  }

  /**
   * Adds one late point to its slot of every span, editing the stored numbers in place. It is the
   * slot's newest value unless the next folded point falls in the same slot.
   */
  private addLate(p: ChartPoint, w: string): void {
    const minute = minuteOf(p.createdAt);
    const next = this.sql.nextPoint.get(p.feedId, p.id, above(w));
    const nextMinute = next === undefined ? Infinity : minuteOf(next[1]);
    const num = numericValue(p.value);
    for (const span of ROLLUP_SPANS) {
      const slot = Math.floor(minute / span);
      const newest = Math.floor(nextMinute / span) !== slot;
      const block = blockOf(slot);
      const row = this.sql.block.get(p.feedId, span, block);
      const base = block * BLOCK_SLOTS;
      let i = 0;
      const count = row ? row.stats.length / SLOT_BYTES : 0;
      while (i < count && slotNumber(row!.stats, i, base) < slot) i++;
      if (row && i < count && slotNumber(row.stats, i, base) === slot) {
        const s = slotAt(row.stats, i * SLOT_BYTES, base, '');
        addValue(s, p.value, num);
        const stats = Buffer.from(row.stats);
        writeSlotAt(stats, i * SLOT_BYTES, base, s);
        let lasts = row.lasts;
        if (newest) {
          const values = JSON.parse(lasts) as string[];
          values[i] = p.value;
          lasts = JSON.stringify(values);
        }
        this.sql.updateBlock.run(stats, lasts, p.feedId, span, block);
        continue;
      }
      // The slot had no folded point: the point is its only one.
      const fresh = emptySlot(slot);
      addValue(fresh, p.value, num);
      const slots = decodeBlock(block, row);
      slots.splice(i, 0, fresh);
      this.putSlots(p.feedId, p.userId, span, block, slots, row !== undefined);
    }
  }

  private putSlots(feedId: number, userId: number, span: number, block: number, slots: Slot[], exists = true): void {
    if (slots.length === 0) {
      this.sql.dropBlock.run(feedId, span, block);
      return;
    }
    const stats = encodeStats(block, slots);
    const lasts = JSON.stringify(slots.map((s) => s.last));
    // UPDATE when the block exists: far cheaper than INSERT OR REPLACE (a delete and an insert).
    if (exists && this.sql.updateBlock.run(stats, lasts, feedId, span, block).changes > 0) return;
    this.sql.putBlock.run(feedId, userId, span, block, stats, lasts);
  }
}
