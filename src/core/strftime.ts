// strftime of the time service (`integrations/time/strftime`): a Ruby Time#strftime subset.

import { getZone, local, utcMs, type Local, type Zone } from './time-zones.js';

/** Default format of `integrations/time/strftime` when `fmt` is missing (the one PyPortal/PortalBase sends). */
export const DEFAULT_STRFTIME = '%Y-%m-%d %H:%M:%S.%L %j %u %z %Z';

// ---------------------------------------------------------------------------------------------------
// strftime (Ruby Time#strftime subset)

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
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
    return ch === '0' ? `-${padWith(digits, width - 1, '0')}` : padWith(`-${digits}`, width, ' ');
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
      case 'Y':
        out += num(l.year, l.year < 0 ? 5 : 4, '0', spec);
        break;
      case 'C':
        out += num(Math.floor(l.year / 100), 2, '0', spec);
        break;
      case 'y':
        out += num(((l.year % 100) + 100) % 100, 2, '0', spec);
        break;
      case 'm':
        out += num(l.mon, 2, '0', spec);
        break;
      case 'B':
        out += text(MONTHS[l.mon - 1], spec);
        break;
      case 'b':
      case 'h':
        out += text(MONTHS[l.mon - 1].slice(0, 3), spec);
        break;
      case 'd':
        out += num(l.mday, 2, '0', spec);
        break;
      case 'e':
        out += num(l.mday, 2, '_', spec);
        break;
      case 'j':
        out += num(l.yday, 3, '0', spec);
        break;
      case 'H':
        out += num(l.hour, 2, '0', spec);
        break;
      case 'k':
        out += num(l.hour, 2, '_', spec);
        break;
      case 'I':
        out += num(l.hour % 12 === 0 ? 12 : l.hour % 12, 2, '0', spec);
        break;
      case 'l':
        out += num(l.hour % 12 === 0 ? 12 : l.hour % 12, 2, '_', spec);
        break;
      case 'P':
        out += text(l.hour < 12 ? 'am' : 'pm', spec);
        break;
      case 'p':
        out += text(l.hour < 12 ? 'AM' : 'PM', spec, true);
        break;
      case 'M':
        out += num(l.min, 2, '0', spec);
        break;
      case 'S':
        out += num(l.sec, 2, '0', spec);
        break;
      case 'L':
        out += fraction(l.milli, spec.width ?? 3);
        break;
      case 'N':
        out += fraction(l.milli, spec.width ?? 9);
        break;
      case 'z':
        out += offsetText(l.offsetMs, spec);
        break;
      case 'Z':
        out += text(zoneAbbreviation(zone, l.ms), spec, true);
        break;
      case 'A':
        out += text(DAYS[l.wday], spec);
        break;
      case 'a':
        out += text(DAYS[l.wday].slice(0, 3), spec);
        break;
      case 'u':
        out += num(l.wday === 0 ? 7 : l.wday, 1, '0', spec);
        break;
      case 'w':
        out += num(l.wday, 1, '0', spec);
        break;
      case 'U':
        out += num(Math.floor((l.yday - 1 - l.wday + 7) / 7), 2, '0', spec);
        break;
      case 'W':
        out += num(Math.floor((l.yday - 1 - ((l.wday + 6) % 7) + 7) / 7), 2, '0', spec);
        break;
      case 'G': {
        const y = isoWeek(l).year;
        out += num(y, y < 0 ? 5 : 4, '0', spec);
        break;
      }
      case 'g':
        out += num(((isoWeek(l).year % 100) + 100) % 100, 2, '0', spec);
        break;
      case 'V':
        out += num(isoWeek(l).week, 2, '0', spec);
        break;
      case 's':
        out += num(Math.floor(l.ms / 1000), 1, '0', spec);
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '%':
        out += '%';
        break;
      case 'c':
        out += sub('%a %b %e %H:%M:%S %Y');
        break;
      case 'D':
      case 'x':
        out += sub('%m/%d/%y');
        break;
      case 'F':
        out += sub('%Y-%m-%d');
        break;
      case 'T':
      case 'X':
        out += sub('%H:%M:%S');
        break;
      case 'R':
        out += sub('%H:%M');
        break;
      case 'r':
        out += sub('%I:%M:%S %p');
        break;
      case 'v':
        out += sub('%e-%^b-%Y');
        break;
      case '+':
        out += sub('%a %b %e %H:%M:%S %Z %Y');
        break;
      default:
        out += fmt.slice(start, i);
        break; // unknown directive: literal, flags and all
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
