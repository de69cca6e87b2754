// The traffic journal of the test control plane (issue #18): what each account's devices sent and
// were sent, fed by the doors' control hooks (which exist only while the control plane is on), so a
// test can ask "what did the device actually do". One ring for all accounts, bounded by `max`
// entries, oldest dropped first, each with a global increasing `seq`: a test keeps the `next_since`
// it was given and asks again from there, and a wait looks at history from `since` before it waits,
// so it never misses what arrived between two calls.

import type { Clock } from './clock.js';
import { badRequest } from './errors.js';
import { compileMatch, type Matcher } from './faults.js';

export interface JournalEntry {
  seq: number;
  at: string;
  account: string;
  door: 'http' | 'mqtt';
  dir: 'in' | 'out';
  /** The rule that hit this request or packet, or null. */
  fault: string | null;
  [field: string]: unknown;
}

/**
 * A door may leave fields that cost something to build (a payload's text) to a function under this
 * key: the journal calls it once, when the entry is first read, so recording a packet stays cheap.
 * The fields a filter looks at (FILTER_FIELDS) must be given at once.
 */
export const LATER: unique symbol = Symbol('journal fields built when read');

export type JournalInput = Omit<JournalEntry, 'seq' | 'at' | 'fault'> & {
  fault?: string | null;
  [LATER]?: () => Record<string, unknown>;
};

/** When the entry was made (ms), until its `at` text is built on first read. */
const MADE: unique symbol = Symbol('journal entry time');

type Stored = JournalEntry & { [LATER]?: () => Record<string, unknown>; [MADE]?: number };

/** Builds what was left for later (once): the entry as the control API answers it. */
function ready(entry: Stored): JournalEntry {
  const made = entry[MADE];
  if (made !== undefined) {
    // Gone once built: the entry is then the plain object the control API answers.
    delete entry[MADE];
    entry.at = new Date(made).toISOString();
    const later = entry[LATER];
    if (later) {
      delete entry[LATER];
      Object.assign(entry, later());
    }
  }
  return entry;
}

/** Filter fields a list, count or wait may use; `path` is a glob and `topic` an MQTT filter, as in fault rules. */
const FILTER_FIELDS = ['door', 'dir', 'packet', 'topic', 'method', 'path', 'client_id', 'status', 'fault'];

export interface JournalPage {
  entries: JournalEntry[];
  next_since: number;
  dropped: number;
}

interface Waiter {
  account: string;
  test: Matcher;
  count: number;
  found: JournalEntry[];
  finish(matched: boolean): void;
}

/** Checks a filter object from the control API (errors name the field). */
export function journalFilter(raw: unknown, label = 'match'): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest(`${label} must be an object`);
  const out: Record<string, string> = {};
  for (const [field, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!FILTER_FIELDS.includes(field)) throw badRequest(`${label}.${field} is not a journal field (use ${FILTER_FIELDS.join(', ')})`);
    if (typeof v !== 'string' && typeof v !== 'number') throw badRequest(`${label}.${field} must be a string`);
    out[field] = String(v);
  }
  return out;
}

export class Journal {
  /**
   * A ring: it grows up to `max` entries, then each new entry takes the oldest one's place, so that
   * nothing is ever shifted or copied. `head` is where the oldest is; entry i (0 oldest) is at
   * (head + i) % max.
   */
  private ring: Stored[] = [];
  private head = 0;
  private seq = 0;
  private readonly dropped = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly clock: Clock,
    readonly max: number,
    /** Longest wait a caller may ask for. */
    readonly maxWaitMs = 60_000,
  ) {}

  /** Waits under way. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** The last seq given out (0 before the first entry). */
  get last(): number {
    return this.seq;
  }

  /** Adds an entry (what it leaves for later is built when a list or wait first answers it). */
  append(input: JournalInput): void {
    const entry = input as Stored;
    entry.seq = ++this.seq;
    // The `at` text is made when the entry is read: most entries of a long run never are.
    entry.at = '';
    entry[MADE] = this.clock();
    entry.fault ??= null;
    if (this.ring.length < this.max) {
      this.ring.push(entry);
    } else {
      const old = this.ring[this.head]!;
      this.dropped.set(old.account, (this.dropped.get(old.account) ?? 0) + 1);
      this.ring[this.head] = entry;
      this.head = this.head + 1 === this.max ? 0 : this.head + 1;
    }
    if (this.waiters.size > 0) this.offer(entry);
  }

  /** The account's entries after `since` that pass `filter`, oldest first, at most `limit`. */
  list(account: string, filter: Record<string, string> = {}, since = 0, limit = 1000): JournalPage {
    const test = compileMatch(filter);
    const found: JournalEntry[] = [];
    let next = this.seq;
    for (let i = this.firstAfter(since); i < this.ring.length; i++) {
      const e = this.entryAt(i);
      if (e.account !== account || !test(e)) continue;
      if (found.length === limit) {
        next = found[found.length - 1]!.seq;
        break;
      }
      found.push(e);
    }
    return { entries: found.map(ready), next_since: Math.max(next, since), dropped: this.dropped.get(account) ?? 0 };
  }

  count(account: string, filter: Record<string, string> = {}, since = 0): number {
    const test = compileMatch(filter);
    let n = 0;
    for (let i = this.firstAfter(since); i < this.ring.length; i++) {
      const e = this.entryAt(i);
      if (e.account === account && test(e)) n++;
    }
    return n;
  }

  /**
   * Resolves once `count` entries after `since` pass `filter` (history first, then new ones), or with
   * `matched: false` and what was found after `timeoutMs` (wall clock: a test's own patience, not the
   * server's time) or when the journal is closed.
   */
  wait(
    account: string,
    filter: Record<string, string>,
    count: number,
    since: number,
    timeoutMs: number,
  ): Promise<{ matched: boolean; entries: JournalEntry[]; next_since: number }> {
    const test = compileMatch(filter);
    const found: JournalEntry[] = [];
    for (let i = this.firstAfter(since); i < this.ring.length && found.length < count; i++) {
      const e = this.entryAt(i);
      if (e.account === account && test(e)) found.push(e);
    }
    const answer = (matched: boolean) => ({
      matched,
      entries: found.map(ready),
      next_since: matched ? found[found.length - 1]!.seq : Math.max(this.seq, since),
    });
    if (found.length >= count) return Promise.resolve(answer(true));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        account,
        test,
        count,
        found,
        finish: (matched) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(answer(matched));
        },
      };
      const timer = setTimeout(() => waiter.finish(false), Math.min(timeoutMs, this.maxWaitMs));
      this.waiters.add(waiter);
    });
  }

  /** Forgets the account's entries (every account's without one); its dropped counter starts again. */
  clear(account?: string): void {
    if (account === undefined) {
      this.ring = [];
      this.dropped.clear();
    } else {
      const kept: Stored[] = [];
      for (let i = 0; i < this.ring.length; i++) {
        const e = this.entryAt(i);
        if (e.account !== account) kept.push(e);
      }
      this.ring = kept;
      this.dropped.delete(account);
    }
    this.head = 0;
  }

  /** Ends every wait (the server is closing): each answers with what it found so far. */
  close(): void {
    for (const w of [...this.waiters]) w.finish(false);
  }

  private offer(entry: JournalEntry): void {
    for (const w of [...this.waiters]) {
      if (w.account !== entry.account || !w.test(entry)) continue;
      w.found.push(entry);
      if (w.found.length >= w.count) w.finish(true);
    }
  }

  /** The i-th entry, oldest first. */
  private entryAt(i: number): Stored {
    const at = this.head + i;
    return this.ring[at < this.ring.length ? at : at - this.ring.length]!;
  }

  /** Position (oldest first) of the first entry with seq > since (seqs increase from the oldest). */
  private firstAfter(since: number): number {
    let lo = 0;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entryAt(mid).seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
