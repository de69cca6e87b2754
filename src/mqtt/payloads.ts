// MQTT payload codecs (compat-notes §3.4 inbound, §3.5 outbound). Pure: no broker, no database.

import type { TopicFormat } from './topics.js';
import { compact, parseJson, type JsonNode } from '../core/json.js';
import { AioError } from '../core/errors.js';
import { csvField } from '../core/values.js';

/** A payload that cannot be understood. The message is meant for the user's `{u}/errors` topic. */
export class PayloadError extends AioError {
  override readonly name = 'PayloadError';
  constructor(message: string) {
    super(400, message);
  }
}

export interface Location {
  lat?: number;
  lon?: number;
  ele?: number;
}

export interface FeedPayload extends Location {
  value: string;
}

export interface GroupEntry {
  key: string;
  value: string;
}

export interface GroupPayload extends Location {
  feeds: GroupEntry[];
}

/** Location as passed to the outbound formatters (stored rows carry nulls). */
export interface LocationIn {
  lat?: number | null;
  lon?: number | null;
  ele?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Text and numbers

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly (a leading BOM is dropped). */
export function decodeUtf8(buf: Uint8Array): string {
  try {
    return utf8.decode(buf);
  } catch {
    throw new PayloadError('payload is not valid UTF-8');
  }
}

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const LOCATION_FIELDS = ['lat', 'lon', 'ele'] as const;
type LocationField = (typeof LOCATION_FIELDS)[number];

/** A location number from text: blank → undefined; decimal or scientific notation; must be finite. */
function numberFromText(text: string, field: LocationField): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (!NUMERIC.test(t)) throw new PayloadError(`${field} must be a number, got ${JSON.stringify(t)}`);
  return finite(Number(t), field, t);
}

function finite(n: number, field: LocationField, text: string): number {
  if (!Number.isFinite(n)) throw new PayloadError(`${field} must be a finite number, got ${text}`);
  return n;
}

function setLocation(target: Location, field: LocationField, n: number | undefined): void {
  if (n !== undefined) target[field] = n;
}

// ---------------------------------------------------------------------------------------------
/** A data value from JSON: strings as-is, numbers/booleans as their text, objects/arrays compacted. */
function valueText(node: JsonNode, what: string): string {
  switch (node.t) {
    case 'string':
      return node.v;
    case 'null':
      throw new PayloadError(`${what} must not be null`);
    default:
      return compact(node);
  }
}

/** A location number from JSON: number, numeric string, null/blank (absent). */
function numberFromJson(node: JsonNode | undefined, field: LocationField): number | undefined {
  if (node === undefined || node.t === 'null') return undefined;
  if (node.t === 'number') return finite(Number(node.raw), field, node.raw);
  if (node.t === 'string') return numberFromText(node.v, field);
  throw new PayloadError(`${field} must be a number`);
}

function readJsonLocation(target: Location, obj: Map<string, JsonNode>): void {
  for (const field of LOCATION_FIELDS) setLocation(target, field, numberFromJson(obj.get(field), field));
}

// ---------------------------------------------------------------------------------------------
// CSV

interface CsvField {
  text: string;
  quoted: boolean;
  /** Source offset where the field starts (just after the previous comma). */
  start: number;
}

interface CsvRecord {
  fields: CsvField[];
  start: number;
  /** Source offset of the record's line terminator (or the end of the text). */
  end: number;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t';

/**
 * RFC 4180-style records: quoted fields with `""` escapes (may span lines), `\n` or `\r\n` line
 * ends, spaces/tabs around fields ignored (unquoted fields are trimmed).
 */
function tokenizeCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const recStart = i;
    const fields: CsvField[] = [];
    for (;;) {
      const fieldStart = i;
      let j = i;
      while (isBlank(text[j])) j++;
      let field: CsvField;
      if (text[j] === '"') {
        let out = '';
        let k = j + 1;
        for (;;) {
          const q = text.indexOf('"', k);
          if (q < 0) throw new PayloadError('CSV payload has an unterminated quoted field');
          out += text.slice(k, q);
          if (text[q + 1] === '"') {
            out += '"';
            k = q + 2;
          } else {
            k = q + 1;
            break;
          }
        }
        while (isBlank(text[k])) k++;
        const c = text[k];
        if (k < n && c !== ',' && c !== '\n' && c !== '\r') {
          throw new PayloadError('CSV payload has text after a closing quote');
        }
        field = { text: out, quoted: true, start: fieldStart };
        j = k;
      } else {
        let k = j;
        while (k < n && text[k] !== ',' && text[k] !== '\n' && text[k] !== '\r') k++;
        field = { text: text.slice(j, k).replace(/[ \t]+$/, ''), quoted: false, start: fieldStart };
        j = k;
      }
      fields.push(field);
      if (text[j] === ',') {
        i = j + 1;
        continue;
      }
      // end of record
      const end = j;
      if (text[j] === '\r' && text[j + 1] === '\n') i = j + 2;
      else i = j + 1; // past \n, \r or the end
      records.push({ fields, start: recStart, end });
      break;
    }
  }
  return records;
}

const isEmptyRecord = (r: CsvRecord): boolean => r.fields.length === 1 && !r.fields[0].quoted && r.fields[0].text === '';

/**
 * Arduino wraps the value in quotes without escaping inner quotes (`"say "hi"",0.0,0.0,0.00`).
 * When strict parsing fails, take everything up to the last quote that is followed only by up to
 * three unquoted location fields.
 */
const ARDUINO_QUOTED = /^[ \t]*"([\s\S]*)"[ \t]*((?:,[^,"\r\n]*){0,3})$/;

function parseFeedCsv(text: string): FeedPayload {
  const body = text.replace(/[\r\n]+$/, '');
  let value: string;
  let rest: string[];
  try {
    const records = tokenizeCsv(body);
    if (records.length === 0) return { value: '' };
    if (records.length > 1) throw new PayloadError('CSV payload must be a single line: VALUE,LAT,LON,ELE');
    const fields = records[0].fields;
    value = fields[0].text;
    rest = fields.slice(1).map((f) => f.text);
  } catch (err) {
    const m = err instanceof PayloadError ? ARDUINO_QUOTED.exec(body) : null;
    if (m === null) throw err;
    value = m[1];
    rest = m[2] === '' ? [] : m[2].slice(1).split(',');
  }
  if (rest.length > 3) throw new PayloadError('CSV payload has too many fields, expected VALUE,LAT,LON,ELE');
  const out: FeedPayload = { value };
  rest.forEach((f, idx) => {
    setLocation(out, LOCATION_FIELDS[idx], numberFromText(f, LOCATION_FIELDS[idx]));
  });
  return out;
}

function parseGroupCsv(text: string): GroupPayload {
  const out: GroupPayload = { feeds: [] };
  for (const record of tokenizeCsv(text)) {
    if (isEmptyRecord(record)) continue;
    const [keyField, valueField] = record.fields;
    const key = keyField.text;
    if (key === '') throw new PayloadError('group CSV line has an empty feed key');
    if (key === 'location' && !keyField.quoted) {
      const loc = record.fields.slice(1);
      if (loc.length < 2 || loc.length > 3) {
        throw new PayloadError('group CSV location line must be location,LAT,LON[,ELE]');
      }
      loc.forEach((f, idx) => {
        setLocation(out, LOCATION_FIELDS[idx], numberFromText(f.text, LOCATION_FIELDS[idx]));
      });
      continue;
    }
    if (valueField === undefined) throw new PayloadError(`group CSV line for ${key} must be KEY,VALUE`);
    let value = valueField.text;
    if (record.fields.length > 2) {
      // An unquoted value containing commas: keep the rest of the line.
      if (valueField.quoted) throw new PayloadError(`group CSV line for ${key} must be KEY,VALUE`);
      value = text.slice(valueField.start, record.end).trim();
    }
    out.feeds.push({ key, value });
  }
  if (out.feeds.length === 0) throw new PayloadError('group payload contains no feeds');
  return out;
}

function parseGroupJson(text: string): GroupPayload {
  const root = parseJson(text);
  if (root === null) throw new PayloadError('group payload is not valid JSON');
  if (root.t !== 'object') throw new PayloadError('group JSON payload must be an object with "feeds"');
  const feedsNode = root.entries.get('feeds');
  const out: GroupPayload = { feeds: [] };
  if (feedsNode?.t === 'object') {
    for (const [key, v] of feedsNode.entries) {
      if (key === '') throw new PayloadError('group JSON has an empty feed key');
      out.feeds.push({ key, value: valueText(v, `value for ${key}`) });
    }
  } else if (feedsNode?.t === 'array') {
    for (const item of feedsNode.items) {
      const key = item.t === 'object' ? item.entries.get('key') : undefined;
      const value = item.t === 'object' ? item.entries.get('value') : undefined;
      if (key?.t !== 'string' || key.v === '' || value === undefined) {
        throw new PayloadError('group JSON "feeds" array items must be {"key": ..., "value": ...}');
      }
      out.feeds.push({ key: key.v, value: valueText(value, `value for ${key.v}`) });
    }
  } else {
    throw new PayloadError('group JSON payload must have a "feeds" object');
  }
  const loc = root.entries.get('location');
  if (loc !== undefined && loc.t !== 'null') {
    if (loc.t !== 'object') throw new PayloadError('group JSON "location" must be an object');
    readJsonLocation(out, loc.entries);
  }
  if (out.feeds.length === 0) throw new PayloadError('group payload contains no feeds');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inbound

/**
 * A PUBLISH payload on a feed topic.
 * - plain / json: the text is the value, unless it is a JSON object with a `value` key (IO JSON:
 *   value + optional lat/lon/ele). Any other text (JSON without `value`, JSON string literals,
 *   numbers...) is the value verbatim.
 * - csv: `VALUE,LAT,LON,ELE` (see parseFeedCsv).
 * Location fields are reported as sent (Arduino's all-zero location included).
 */
export function parseFeedPayload(buf: Uint8Array, format: TopicFormat): FeedPayload {
  const text = decodeUtf8(buf);
  if (format === 'csv') return parseFeedCsv(text);
  const trimmed = text.trimStart();
  if (trimmed[0] !== '{') return { value: text };
  const node = parseJson(text);
  if (node === null || node.t !== 'object') return { value: text };
  const valueNode = node.entries.get('value');
  if (valueNode === undefined) return { value: text };
  const out: FeedPayload = { value: valueText(valueNode, 'value') };
  readJsonLocation(out, node.entries);
  return out;
}

/** A PUBLISH payload on a group topic; use groupFormat() to map a suffix-less topic to json. */
export function parseGroupPayload(buf: Uint8Array, format: 'json' | 'csv'): GroupPayload {
  const text = decodeUtf8(buf);
  return format === 'csv' ? parseGroupCsv(text) : parseGroupJson(text);
}

// ---------------------------------------------------------------------------------------------
// Outbound

function numText(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '' : String(n);
}

function hasLocation(location: LocationIn | null | undefined): location is LocationIn {
  if (location === null || location === undefined) return false;
  return [location.lat, location.lon, location.ele].some((n) => n !== null && n !== undefined);
}

const jsonNum = (n: number | null | undefined): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : n);

/** `{"feeds":{"k":"v",...}}` plus `"location":{"lat":..,"lon":..,"ele":..}` when a location is given. */
export function formatGroupJson(entries: readonly GroupEntry[], location?: LocationIn | null): string {
  const feeds: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const { key, value } of entries) feeds[key] = value;
  const body: { feeds: Record<string, string>; location?: { lat: number | null; lon: number | null; ele: number | null } } = {
    feeds,
  };
  if (hasLocation(location)) {
    body.location = { lat: jsonNum(location.lat), lon: jsonNum(location.lon), ele: jsonNum(location.ele) };
  }
  return JSON.stringify(body);
}

/** `key,value` lines joined by `\n`, plus `location,lat,lon,ele` when a location is given. */
export function formatGroupCsv(entries: readonly GroupEntry[], location?: LocationIn | null): string {
  const lines = entries.map(({ key, value }) => `${csvField(key)},${csvField(value)}`);
  if (hasLocation(location)) {
    lines.push(`location,${numText(location.lat)},${numText(location.lon)},${numText(location.ele)}`);
  }
  return lines.join('\n');
}
