import { invalid } from '../errors.js';
import { requireTime } from '../values.js';

/** The parameters of a chart (`GET .../data/chart`): what they may be and how they are read. */

export const CHART_RESOLUTIONS = [1, 5, 10, 30, 60, 120, 240, 480, 960] as const;
export const CHART_FIELDS = ['avg', 'sum', 'val', 'min', 'max', 'val_count'] as const;
export type ChartField = (typeof CHART_FIELDS)[number];
/** Without `resolution`, the smallest one whose chart has at most this many slices. */
export const MAX_AUTO_SLICES = 480;

const MAX_HOURS = 1_000_000;
const MINUTE = 60_000;

export interface ChartQuery {
  /** The window, both ends included, in ms. */
  startMs: number;
  endMs: number;
  /** The hours reported back: as given, or the window's length when it was given by its times. */
  hours: number;
  /** Minutes per slice; null for a raw chart. */
  resolution: number | null;
  field: ChartField;
  raw: boolean;
}

function present(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function parseRaw(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.toLowerCase();
  if (s === '1' || s === 'true') return true;
  if (s === '0' || s === 'false') return false;
  throw invalid(`raw must be 1 or true (or 0 or false), got "${v}"`);
}

function parseHours(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!(n > 0 && n <= MAX_HOURS)) throw invalid(`hours must be a positive number of hours (at most ${MAX_HOURS}), got "${v}"`);
  return n;
}

/** How many resolution-aligned slices the window [startMs, endMs] touches. */
export function sliceCount(startMs: number, endMs: number, resolution: number): number {
  const w = resolution * MINUTE;
  return Math.floor(Math.max(0, endMs) / w) - Math.floor(Math.max(0, startMs) / w) + 1;
}

/** The smallest allowed resolution whose chart of the window has at most MAX_AUTO_SLICES slices. */
export function autoResolution(startMs: number, endMs: number): number {
  for (const r of CHART_RESOLUTIONS) if (sliceCount(startMs, endMs, r) <= MAX_AUTO_SLICES) return r;
  return CHART_RESOLUTIONS[CHART_RESOLUTIONS.length - 1];
}

/**
 * Reads the chart's query parameters. Both times: that window (`hours` ignored). Only start_time:
 * `hours` from it, or up to now without hours. Only end_time: `hours` (default 1) up to it.
 * Neither: `hours` (default 1) up to now.
 */
export function parseChartQuery(q: Record<string, string | undefined>, nowMs: number): ChartQuery {
  const raw = parseRaw(present(q.raw));
  const fieldText = present(q.field);
  const resolutionText = present(q.resolution);
  if (raw && (fieldText !== undefined || resolutionText !== undefined)) {
    throw invalid('raw cannot be combined with field or resolution');
  }
  if (fieldText !== undefined && !(CHART_FIELDS as readonly string[]).includes(fieldText)) {
    throw invalid(`field must be one of ${CHART_FIELDS.join(', ')}, got "${fieldText}"`);
  }
  const field = (fieldText ?? 'avg') as ChartField;
  let resolution: number | undefined;
  if (resolutionText !== undefined) {
    resolution = /^\d+$/.test(resolutionText) ? Number(resolutionText) : NaN;
    if (!(CHART_RESOLUTIONS as readonly number[]).includes(resolution)) {
      throw invalid(`resolution must be one of ${CHART_RESOLUTIONS.join(', ')} (minutes), got "${resolutionText}"`);
    }
  }
  const givenHours = parseHours(present(q.hours));
  const startText = present(q.start_time);
  const endText = present(q.end_time);
  const start = startText === undefined ? undefined : requireTime(startText, 'start_time');
  const end = endText === undefined ? undefined : requireTime(endText, 'end_time');
  const spanMs = (givenHours ?? 1) * 3_600_000;
  let startMs: number;
  let endMs: number;
  let byTimes = false;
  if (start !== undefined && end !== undefined) {
    [startMs, endMs, byTimes] = [start, end, true];
  } else if (start !== undefined) {
    startMs = start;
    byTimes = givenHours === undefined;
    endMs = byTimes ? nowMs : start + spanMs;
  } else {
    endMs = end ?? nowMs;
    startMs = endMs - spanMs;
  }
  startMs = Math.round(startMs);
  endMs = Math.round(endMs);
  if (endMs < startMs) throw invalid('end_time must not be before start_time');
  return {
    startMs,
    endMs,
    hours: byTimes ? (endMs - startMs) / 3_600_000 : (givenHours ?? 1),
    resolution: raw ? null : (resolution ?? autoResolution(startMs, endMs)),
    field,
    raw,
  };
}
