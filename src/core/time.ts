// Time service: the payloads of `integrations/time/*` (HTTP) and `time/*` (MQTT).
// Plain TypeScript. Zone data comes from Node's Intl (ICU's IANA database); we keep no zone rules of our own.

import { AioError } from './errors.js';

/** Default format of `integrations/time/strftime` when `fmt` is missing (the one PyPortal/PortalBase sends). */
export const DEFAULT_STRFTIME = '%Y-%m-%d %H:%M:%S.%L %j %u %z %Z';

/** Thrown when a time zone name is not one Intl knows. */
export class UnknownTimeZoneError extends AioError {
  readonly timeZone: string;
  constructor(timeZone: string) {
    super(422, `unknown time zone: ${timeZone}`);
    this.name = 'UnknownTimeZoneError';
    this.timeZone = timeZone;
  }
}

/** Shape of `integrations/time/struct.json`. */
export interface TimeStruct {
  year: number;
  /** 1..12 */
  mon: number;
  /** 1..31 */
  mday: number;
  /** 0..23 */
  hour: number;
  min: number;
  sec: number;
  /** 0..6, Sunday = 0 */
  wday: number;
  /** 1..366, January 1 = 1 */
  yday: number;
  /** 1 when the zone's offset at this instant is above its standard offset, else 0 */
  isdst: 0 | 1;
}

// ---------------------------------------------------------------------------------------------------
// Zone cache

interface Zone {
  /** numeric wall-clock parts, 24-hour */
  parts: Intl.DateTimeFormat;
  /** zone abbreviation ("UTC", "EST", "GMT+1"); created on first use */
  short: Intl.DateTimeFormat | undefined;
  /** standard (non-DST) offset in ms, by local year */
  standard: Map<number, number>;
}

const MAX_ALIASES = 2048;
const MAX_YEARS = 64;
/** canonical zone id → Zone (bounded by the number of real zones) */
const zonesByCanonical = new Map<string, Zone>();
/** name as given (any letter case, links) → Zone; cleared when it grows past MAX_ALIASES */
const zonesByName = new Map<string, Zone>();

function makePartsFormat(tz: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    era: 'short',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

/** Returns the Zone for tz, or undefined when Intl does not know it. */
function lookupZone(tz: string): Zone | undefined {
  const cached = zonesByName.get(tz);
  if (cached) return cached;
  // Offset strings ("+05:30") are not IANA zones; newer Intl versions accept them, so refuse them
  // here to keep behaviour the same on every Node version.
  if (tz.length === 0 || tz.length > 64 || tz[0] === '+' || tz[0] === '-') return undefined;
  let parts: Intl.DateTimeFormat;
  try {
    parts = makePartsFormat(tz);
  } catch {
    return undefined;
  }
  const canonical = parts.resolvedOptions().timeZone;
  let zone = zonesByCanonical.get(canonical);
  if (!zone) {
    zone = { parts, short: undefined, standard: new Map() };
    zonesByCanonical.set(canonical, zone);
  }
  if (zonesByName.size >= MAX_ALIASES) zonesByName.clear();
  zonesByName.set(tz, zone);
  return zone;
}

function getZone(tz: string): Zone {
  const zone = lookupZone(tz);
  if (!zone) throw new UnknownTimeZoneError(tz);
  return zone;
}

/** True when tz is a time zone name Intl knows (IANA names and links, any letter case). */
export function isValidTimeZone(tz: string): boolean {
  return typeof tz === 'string' && lookupZone(tz) !== undefined;
}

// ---------------------------------------------------------------------------------------------------
// Offsets and wall-clock fields

/** UTC ms of a proleptic Gregorian date-time (Date.UTC maps years 0..99 to 1900s; this does not). */
function utcMs(year: number, month0: number, day: number, h: number, m: number, s: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(h, m, s, 0);
  return d.getTime();
}

/** Offset of zone from UTC at instant ms (a multiple of 1000 ms; historical LMT offsets keep their seconds). */
function offsetAt(zone: Zone, ms: number): number {
  const secMs = Math.floor(ms / 1000) * 1000;
  let era = 'AD';
  let year = 1970;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of zone.parts.formatToParts(secMs)) {
    switch (p.type) {
      case 'era': era = p.value; break;
      case 'year': year = Number(p.value); break;
      case 'month': month = Number(p.value); break;
      case 'day': day = Number(p.value); break;
      case 'hour': hour = Number(p.value) % 24; break;
      case 'minute': minute = Number(p.value); break;
      case 'second': second = Number(p.value); break;
      default: break;
    }
  }
  if (era.startsWith('B')) year = 1 - year; // "BC" → astronomical year numbering
  return utcMs(year, month - 1, day, hour, minute, second) - secMs;
}

/** Standard offset of the zone in a year: the smaller of its offsets on Jan 1 and Jul 1 (00:00 UTC). */
function standardOffset(zone: Zone, year: number): number {
  const cached = zone.standard.get(year);
  if (cached !== undefined) return cached;
  const std = Math.min(offsetAt(zone, utcMs(year, 0, 1, 0, 0, 0)), offsetAt(zone, utcMs(year, 6, 1, 0, 0, 0)));
  if (zone.standard.size >= MAX_YEARS) zone.standard.clear();
  zone.standard.set(year, std);
  return std;
}

interface Local {
  ms: number;
  /** wall clock as a Date whose UTC getters read local time */
  wall: Date;
  offsetMs: number;
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  milli: number;
  wday: number;
  yday: number;
}

function local(nowMs: number, zone: Zone): Local {
  const ms = Math.floor(nowMs);
  const offsetMs = offsetAt(zone, ms);
  const wall = new Date(ms + offsetMs);
  const year = wall.getUTCFullYear();
  const yday = Math.floor((wall.getTime() - utcMs(year, 0, 1, 0, 0, 0)) / 86_400_000) + 1;
  return {
    ms,
    wall,
    offsetMs,
    year,
    mon: wall.getUTCMonth() + 1,
    mday: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    min: wall.getUTCMinutes(),
    sec: wall.getUTCSeconds(),
    milli: wall.getUTCMilliseconds(),
    wday: wall.getUTCDay(),
    yday,
  };
}

/** `integrations/time/struct.json` for instant nowMs in zone tz. Throws UnknownTimeZoneError. */
export function timeStruct(nowMs: number, tz = 'UTC'): TimeStruct {
  const zone = getZone(tz);
  const l = local(nowMs, zone);
  return {
    year: l.year,
    mon: l.mon,
    mday: l.mday,
    hour: l.hour,
    min: l.min,
    sec: l.sec,
    wday: l.wday,
    yday: l.yday,
    isdst: l.offsetMs > standardOffset(zone, l.year) ? 1 : 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// strftime (Ruby Time#strftime subset)

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
  'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function zoneAbbreviation(zone: Zone, ms: number): string {
  if (!zone.short) {
    zone.short = new Intl.DateTimeFormat('en-US', {
      timeZone: zone.parts.resolvedOptions().timeZone,
      timeZoneName: 'short',
    });
  }
  for (const p of zone.short.formatToParts(ms)) if (p.type === 'timeZoneName') return p.value;
  return '';
}

/** ISO 8601 week-based year and week number of a local date. */
function isoWeek(l: Local): { year: number; week: number } {
  const isoDay = l.wday === 0 ? 7 : l.wday;
  // The Thursday of this ISO week decides its year.
  const thursday = new Date(utcMs(l.year, l.mon - 1, l.mday + 4 - isoDay, 0, 0, 0));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - utcMs(year, 0, 1, 0, 0, 0)) / 86_400_000 / 7) + 1;
  return { year, week };
}

interface Spec {
  /** '-' no padding, '_' spaces, '0' zeros; undefined = the directive's default */
  pad: '-' | '_' | '0' | undefined;
  upper: boolean;
  swap: boolean;
  width: number | undefined;
  colons: number;
}

function padWith(s: string, width: number, ch: string): string {
  return s.length >= width ? s : ch.repeat(width - s.length) + s;
}

function num(n: number, defWidth: number, defPad: '0' | '_', spec: Spec): string {
  if (spec.pad === '-') return String(n);
  const width = spec.width ?? defWidth;
  const ch = (spec.pad ?? defPad) === '_' ? ' ' : '0';
  if (n < 0) {
    const digits = String(-n);
    return ch === '0' ? '-' + padWith(digits, width - 1, '0') : padWith('-' + digits, width, ' ');
  }
  return padWith(String(n), width, ch);
}

function text(s: string, spec: Spec, swapToLower = false): string {
  let out = s;
  if (spec.upper) out = out.toUpperCase();
  else if (spec.swap) out = swapToLower ? out.toLowerCase() : out.toUpperCase();
  if (spec.width !== undefined && spec.pad !== '-') out = padWith(out, spec.width, spec.pad === '0' ? '0' : ' ');
  return out;
}

function offsetText(offsetMs: number, spec: Spec): string {
  const total = Math.trunc(offsetMs / 1000);
  const sign = total < 0 ? '-' : '+';
  const abs = Math.abs(total);
  const hh = Math.floor(abs / 3600);
  const mm = Math.floor((abs % 3600) / 60);
  const ss = abs % 60;
  const two = (n: number): string => padWith(String(n), 2, '0');
  let body: string;
  if (spec.colons === 1) body = `${two(hh)}:${two(mm)}`;
  else if (spec.colons === 2) body = `${two(hh)}:${two(mm)}:${two(ss)}`;
  else body = `${two(hh)}${two(mm)}`;
  let out = sign + body;
  if (spec.width !== undefined && out.length < spec.width) {
    out = spec.pad === '_' ? padWith(out, spec.width, ' ') : sign + padWith(body, spec.width - 1, '0');
  }
  return out;
}

/** Fraction of the second with `digits` digits (we hold ms, so digits past 3 are zeros). */
function fraction(milli: number, digits: number): string {
  const s = padWith(String(milli), 3, '0');
  return digits <= 3 ? s.slice(0, digits) : s + '0'.repeat(digits - 3);
}

function expand(fmt: string, l: Local, zone: Zone, depth: number): string {
  let out = '';
  let i = 0;
  const n = fmt.length;
  while (i < n) {
    const c = fmt[i];
    if (c !== '%') {
      const next = fmt.indexOf('%', i);
      const end = next === -1 ? n : next;
      out += fmt.slice(i, end);
      i = end;
      continue;
    }
    const start = i;
    i++;
    const spec: Spec = { pad: undefined, upper: false, swap: false, width: undefined, colons: 0 };
    // flags
    for (; i < n; i++) {
      const f = fmt[i];
      if (f === '-' || f === '_' || f === '0') spec.pad = f;
      else if (f === '^') spec.upper = true;
      else if (f === '#') spec.swap = true;
      else break;
    }
    // width
    let w = '';
    while (i < n && fmt[i] >= '0' && fmt[i] <= '9') w += fmt[i++];
    if (w !== '') spec.width = Math.min(Number(w), 1024);
    // E / O modifiers are accepted and ignored, as Ruby does for the directives that allow them
    if (i < n && (fmt[i] === 'E' || fmt[i] === 'O') && i + 1 < n && 'cCxXyYdeHImMSuUVwWy'.includes(fmt[i + 1])) i++;
    while (i < n && fmt[i] === ':' && spec.colons < 3) {
      spec.colons++;
      i++;
    }
    if (i >= n) {
      out += fmt.slice(start);
      break;
    }
    const d = fmt[i++];
    if (spec.colons > 0 && d !== 'z') {
      out += fmt.slice(start, i);
      continue;
    }
    const sub = (f: string): string => text(depth < 4 ? expand(f, l, zone, depth + 1) : '', spec);
    switch (d) {
      case 'Y': out += num(l.year, l.year < 0 ? 5 : 4, '0', spec); break;
      case 'C': out += num(Math.floor(l.year / 100), 2, '0', spec); break;
      case 'y': out += num(((l.year % 100) + 100) % 100, 2, '0', spec); break;
      case 'm': out += num(l.mon, 2, '0', spec); break;
      case 'B': out += text(MONTHS[l.mon - 1], spec); break;
      case 'b': case 'h': out += text(MONTHS[l.mon - 1].slice(0, 3), spec); break;
      case 'd': out += num(l.mday, 2, '0', spec); break;
      case 'e': out += num(l.mday, 2, '_', spec); break;
      case 'j': out += num(l.yday, 3, '0', spec); break;
      case 'H': out += num(l.hour, 2, '0', spec); break;
      case 'k': out += num(l.hour, 2, '_', spec); break;
      case 'I': out += num(l.hour % 12 === 0 ? 12 : l.hour % 12, 2, '0', spec); break;
      case 'l': out += num(l.hour % 12 === 0 ? 12 : l.hour % 12, 2, '_', spec); break;
      case 'P': out += text(l.hour < 12 ? 'am' : 'pm', spec); break;
      case 'p': out += text(l.hour < 12 ? 'AM' : 'PM', spec, true); break;
      case 'M': out += num(l.min, 2, '0', spec); break;
      case 'S': out += num(l.sec, 2, '0', spec); break;
      case 'L': out += fraction(l.milli, spec.width ?? 3); break;
      case 'N': out += fraction(l.milli, spec.width ?? 9); break;
      case 'z': out += offsetText(l.offsetMs, spec); break;
      case 'Z': out += text(zoneAbbreviation(zone, l.ms), spec, true); break;
      case 'A': out += text(DAYS[l.wday], spec); break;
      case 'a': out += text(DAYS[l.wday].slice(0, 3), spec); break;
      case 'u': out += num(l.wday === 0 ? 7 : l.wday, 1, '0', spec); break;
      case 'w': out += num(l.wday, 1, '0', spec); break;
      case 'U': out += num(Math.floor((l.yday - 1 - l.wday + 7) / 7), 2, '0', spec); break;
      case 'W': out += num(Math.floor((l.yday - 1 - ((l.wday + 6) % 7) + 7) / 7), 2, '0', spec); break;
      case 'G': { const y = isoWeek(l).year; out += num(y, y < 0 ? 5 : 4, '0', spec); break; }
      case 'g': out += num(((isoWeek(l).year % 100) + 100) % 100, 2, '0', spec); break;
      case 'V': out += num(isoWeek(l).week, 2, '0', spec); break;
      case 's': out += num(Math.floor(l.ms / 1000), 1, '0', spec); break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '%': out += '%'; break;
      case 'c': out += sub('%a %b %e %H:%M:%S %Y'); break;
      case 'D': case 'x': out += sub('%m/%d/%y'); break;
      case 'F': out += sub('%Y-%m-%d'); break;
      case 'T': case 'X': out += sub('%H:%M:%S'); break;
      case 'R': out += sub('%H:%M'); break;
      case 'r': out += sub('%I:%M:%S %p'); break;
      case 'v': out += sub('%e-%^b-%Y'); break;
      case '+': out += sub('%a %b %e %H:%M:%S %Z %Y'); break;
      default: out += fmt.slice(start, i); break; // unknown directive: literal, flags and all
    }
  }
  return out;
}

/**
 * Ruby-style strftime of instant nowMs in zone tz (`integrations/time/strftime`).
 * Flags `-` `_` `0` `^` `#`, a width, and `%:z` / `%::z` are understood; unknown directives are copied as written.
 * Throws UnknownTimeZoneError.
 */
export function strftime(nowMs: number, fmt: string = DEFAULT_STRFTIME, tz = 'UTC'): string {
  const zone = getZone(tz);
  return expand(fmt, local(nowMs, zone), zone, 0);
}

// ---------------------------------------------------------------------------------------------------
// MQTT time topic payloads (always UTC)

/** `time/seconds`: Unix seconds as decimal text. */
export function timeSeconds(nowMs: number): string {
  return String(Math.floor(nowMs / 1000));
}

/** `time/millis`: Unix milliseconds as decimal text. */
export function timeMillis(nowMs: number): string {
  return String(Math.floor(nowMs));
}

/** `time/ISO-8601`: e.g. `2019-07-03T14:47:16.038Z`. */
export function timeIso(nowMs: number): string {
  return new Date(Math.floor(nowMs)).toISOString();
}

/** `time/hours`: hour of day 0..23 in UTC. */
export function timeHours(nowMs: number): string {
  return String(new Date(Math.floor(nowMs)).getUTCHours());
}
