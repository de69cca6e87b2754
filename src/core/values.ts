import { invalid } from './errors.js';

/**
 * One place that turns what clients send into what we store. Values are kept as text exactly as sent:
 * numbers keep their JSON spelling (`40` → "40"), objects are stored as compact JSON.
 */
export function valueText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

/** A coordinate from a number or a numeric string; blank means absent. */
export function coordinate(v: unknown, name: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw invalid(`Validation failed: ${name} must be a number`);
  return n;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i;

/**
 * Times from clients: ISO-8601 (`2019-05-05T00:00Z`), Rails' `2019-05-03 17:35:13 UTC` (what our own
 * Link header carries), or Unix seconds. A time without a zone is UTC. Returns ms, or null if unparseable.
 */
export function parseTime(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? Math.round(raw * 1000) : null;
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const m = ISO_RE.exec(s);
  if (!m) return null;
  let norm = s
    .replace(' ', 'T')
    .replace(/\s*UTC$/i, 'Z')
    .replace(/\s+/g, '');
  if (!m[1]) norm += 'T00:00';
  if (!m[4]) norm += 'Z';
  norm = norm.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(norm);
  return Number.isNaN(ms) ? null : ms;
}

/** 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z: what ISO-8601 with four-digit years can say. */
export const MIN_TIME_MS = -62_167_219_200_000;
export const MAX_TIME_MS = 253_402_300_799_999;
/**
 * Data points: from 1970 (ids encode time since the epoch) up to the year 5000, within what the 50
 * time bits of a data id can hold (core/ids.ts), so that every stored point sorts and reads back.
 */
export const MIN_DATA_TIME_MS = 0;
export const MAX_DATA_TIME_MS = 95_617_584_000_000 - 1;

const isoText = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('.000Z', 'Z')
    .replace(/\.\d{3}Z$/, 'Z');

/** Refuses a time outside [min, max] with 422, naming the field and the range. */
export function checkTimeRange(ms: number, name: string, min = MIN_TIME_MS, max = MAX_TIME_MS): number {
  if (!(ms >= min && ms <= max)) {
    throw invalid(`Validation failed: ${name} must be between ${isoText(min)} and ${isoText(max)}`);
  }
  return ms;
}

export function requireTime(raw: unknown, name: string): number {
  const ms = parseTime(raw);
  if (ms === null) throw invalid(`${name} must be an ISO-8601 date, got "${String(raw)}"`);
  return checkTimeRange(ms, name);
}

/** `created_at` as seconds-precision ISO, the form every Adafruit record uses. */
export function isoSeconds(ms: number): string {
  // Nothing out of range is accepted any more, but a value stored before that must still read back.
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS)) ms = ms < MIN_TIME_MS ? MIN_TIME_MS : MAX_TIME_MS;
  const secs = Math.floor(ms / 1000);
  const day = Math.floor(secs / 86_400);
  // Every record carries two or more of these: the date part is made once per day, the time by arithmetic.
  let date = DAY_PREFIX.get(day);
  if (date === undefined) {
    if (DAY_PREFIX.size >= 256) DAY_PREFIX.clear();
    date = new Date(day * 86_400_000).toISOString().slice(0, 11);
    DAY_PREFIX.set(day, date);
  }
  let rest = secs - day * 86_400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  return `${date}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[rest - m * 60]}Z`;
}

const DAY_PREFIX = new Map<number, string>();
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

export function toBool(v: unknown, name: string): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['on', 'true', '1', 'yes'].includes(s)) return true;
    if (['off', 'false', '0', 'no'].includes(s)) return false;
  }
  throw invalid(`Validation failed: ${name} must be true or false`);
}

export function toInt(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw invalid(`Validation failed: ${name} must be a whole number`);
  return n;
}

export function toText(v: unknown, name: string, max = 2048): string | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw invalid(`Validation failed: ${name} must be text`);
  if (v.length > max) throw invalid(`Validation failed: ${name} is too long (maximum is ${max} characters)`);
  return v;
}

export function toVisibility(v: unknown): 'private' | 'public' | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (s === 'private' || s === 'public') return s;
  throw invalid('Validation failed: Visibility must be "private" or "public"');
}

/** CSV field quoting for `data/retain` and `/csv` topics: quote only when needed. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `value,lat,lon,ele`, always four fields, blank where a location part is missing. */
export function csvLine(value: string, lat?: number | null, lon?: number | null, ele?: number | null): string {
  const n = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '' : String(x));
  return `${csvField(value)},${n(lat)},${n(lon)},${n(ele)}`;
}
