// Time zones from Node's Intl (ICU's IANA database): a bounded cache of zones, UTC offsets at an
// instant, and the local wall-clock fields the time service formats. We keep no zone rules of our own.

import { AioError } from './errors.js';

/** Thrown when a time zone name is not one Intl knows. */
export class UnknownTimeZoneError extends AioError {
  readonly timeZone: string;
  constructor(timeZone: string) {
    super(422, `unknown time zone: ${timeZone}`);
    this.name = 'UnknownTimeZoneError';
    this.timeZone = timeZone;
  }
}

// ---------------------------------------------------------------------------------------------------
// Zone cache

export interface Zone {
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

export function getZone(tz: string): Zone {
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
export function utcMs(year: number, month0: number, day: number, h: number, m: number, s: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(h, m, s, 0);
  return d.getTime();
}

/** Offset of zone from UTC at instant ms (a multiple of 1000 ms; historical LMT offsets keep their seconds). */
export function offsetAt(zone: Zone, ms: number): number {
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
      case 'era':
        era = p.value;
        break;
      case 'year':
        year = Number(p.value);
        break;
      case 'month':
        month = Number(p.value);
        break;
      case 'day':
        day = Number(p.value);
        break;
      case 'hour':
        hour = Number(p.value) % 24;
        break;
      case 'minute':
        minute = Number(p.value);
        break;
      case 'second':
        second = Number(p.value);
        break;
      default:
        break;
    }
  }
  if (era.startsWith('B')) year = 1 - year; // "BC" → astronomical year numbering
  return utcMs(year, month - 1, day, hour, minute, second) - secMs;
}

/** Standard offset of the zone in a year: the smaller of its offsets on Jan 1 and Jul 1 (00:00 UTC). */
export function standardOffset(zone: Zone, year: number): number {
  const cached = zone.standard.get(year);
  if (cached !== undefined) return cached;
  const std = Math.min(offsetAt(zone, utcMs(year, 0, 1, 0, 0, 0)), offsetAt(zone, utcMs(year, 6, 1, 0, 0, 0)));
  if (zone.standard.size >= MAX_YEARS) zone.standard.clear();
  zone.standard.set(year, std);
  return std;
}

export interface Local {
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

export function local(nowMs: number, zone: Zone): Local {
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
