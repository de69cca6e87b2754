// Time service: the payloads of `integrations/time/*` (HTTP) and `time/*` (MQTT). Plain TypeScript;
// zones are in time-zones.ts and strftime in strftime.ts.

import { getZone, local, standardOffset } from './time-zones.js';

export { DEFAULT_STRFTIME, strftime } from './strftime.js';
export { UnknownTimeZoneError, isValidTimeZone } from './time-zones.js';

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
