import { randomFillSync } from 'node:crypto';

/**
 * Data ids as the hosted service makes them: 26 Crockford base32 characters for 128 bits, the top 48
 * bits being the creation time in units of 100 µs, the rest random. Because the time comes first, the
 * ids of a feed sort by created_at, so one (feed_id, id) index serves ordering, time ranges and cursors.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]));
const TIME_CHARS = 10; // 50 bits: two zero bits, then 48 bits of time
const RANDOM_CHARS = 16; // 80 bits

export const MIN_RANDOM = '0'.repeat(RANDOM_CHARS);
export const MAX_RANDOM = 'Z'.repeat(RANDOM_CHARS);

function encodeTime(units: number): string {
  let out = '';
  let n = units;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/** The id prefix for a moment, for range bounds. */
export function timePrefix(ms: number): string {
  return encodeTime(Math.max(0, Math.floor(ms)) * 10);
}

export function idTimeMs(id: string): number {
  let n = 0;
  for (let i = 0; i < TIME_CHARS; i++) n = n * 32 + (DECODE.get(id[i]!) ?? 0);
  return Math.floor(n / 10);
}

export const ID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function isDataId(s: string): boolean {
  return ID_RE.test(s);
}

/** Makes ids; ids made for the same moment increase, so a batch keeps its order. */
export class IdFactory {
  private lastUnits = -1;
  private lastRandom: number[] = [];
  /** Random bytes drawn ahead, 256 ids' worth: one system call per 256 new moments, not one each. */
  private readonly pool = Buffer.alloc(RANDOM_CHARS * 256);
  private poolAt = this.pool.length;

  next(ms: number): string {
    const units = Math.max(0, Math.floor(ms)) * 10;
    if (units === this.lastUnits) {
      this.increment();
    } else {
      if (this.poolAt === this.pool.length) {
        randomFillSync(this.pool);
        this.poolAt = 0;
      }
      const from = this.poolAt;
      this.poolAt += RANDOM_CHARS;
      // Leave the top bit clear so that increments cannot run out within one moment.
      const r = new Array<number>(RANDOM_CHARS);
      for (let i = 0; i < RANDOM_CHARS; i++) r[i] = this.pool[from + i]! & (i === 0 ? 15 : 31);
      this.lastRandom = r;
      this.lastUnits = units;
    }
    let out = encodeTime(units);
    for (const d of this.lastRandom) out += ALPHABET[d];
    return out;
  }

  private increment(): void {
    for (let i = RANDOM_CHARS - 1; i >= 0; i--) {
      if (this.lastRandom[i]! < 31) {
        this.lastRandom[i]!++;
        return;
      }
      this.lastRandom[i] = 0;
    }
  }
}
