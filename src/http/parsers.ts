import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { isUtf8 } from 'node:buffer';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import type { HttpLimits } from '../config.js';
import { AioError, badRequest } from '../core/errors.js';
import { compact, parseJson, toJsKeepingValues } from '../core/json.js';

// Request bodies: JSON, form-encoded and multipart, each read whole as bytes (so the route's bodyLimit
// holds, chunked or not) and checked to be UTF-8 before anything decodes them: decoding first turns
// bad bytes into U+FFFD, which would then be stored. Any other content type is a 415, except on the
// raw webhook route, which has its own parser (routes/webhooks.ts).

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body text, kept for data posts whose JSON has no `value` (stored whole). */
    rawJson?: string;
  }
}

export const NOT_UTF8_TEXT = 'bad request - the request is not valid UTF-8';
export const PROTO_KEY_TEXT = 'bad request - the request has a forbidden key (__proto__ or constructor.prototype)';
export const UNSUPPORTED_TYPE_TEXT =
  'unsupported media type - send application/json, application/x-www-form-urlencoded or multipart/form-data';

const notUtf8 = () => badRequest(NOT_UTF8_TEXT);
const protoKey = () => badRequest(PROTO_KEY_TEXT);

/** Routes whose bodies carry data values (feed and group data, webhooks). */
const DATA_ROUTE = /\/data(\/|$)|\/webhooks\/feed\//;
/** A number JSON.parse would not give back as written: a fraction, an exponent, or 16+ digits. */
const RESPELLED_NUMBER = /\d[.eE]|\d{16}/;
const PROTO_RULES = { protoAction: 'error', constructorAction: 'error' } as const;
/** secure-json-parse's message for a forbidden key (its other errors are JSON.parse's). */
const SJSON_PROTO_MESSAGE = 'Object contains forbidden prototype property';
export function registerBodyParsers(app: FastifyInstance, limits: HttpLimits): void {
  // Fastify's own: JSON is replaced, text/plain is not something a route reads.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  // An empty JSON body is an empty object (DELETE with a JSON content type); bad JSON is a 400.
  app.addContentTypeParser(/^application\/(.+\+)?json/, { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseJsonBody(req, body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseForm(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req: FastifyRequest, body: Buffer) =>
    parseMultipart(req.headers, body, limits.multipartMaxParts),
  );
  // Anything else: an empty body is no body (a DELETE or a Ruby token POST with a stray content type),
  // and an unknown route stays a 404; a body we cannot read is refused before it is read.
  app.addContentTypeParser('*', (req, _payload, done) => {
    const length = req.headers['content-length'];
    if (req.is404 || length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined)) return done(null, undefined);
    done(new AioError(415, UNSUPPORTED_TYPE_TEXT), undefined);
  });
}

function parseJsonBody(req: FastifyRequest, buf: Buffer): unknown {
  if (!isUtf8(buf)) throw notUtf8();
  const text = buf.toString('utf8').trim();
  if (text === '') return {};
  // Data values are stored as sent: where JSON.parse would respell a number (`40.0`, `1e3`, long
  // integers), data routes read the body with the parser that keeps number text.
  if (DATA_ROUTE.test(req.routeOptions.url ?? '') && RESPELLED_NUMBER.test(text)) {
    const node = parseJson(text, { forbidProtoKeys: true });
    if (node === null) throw invalidJson();
    if (node.t === 'object') req.rawJson = compact(node);
    return toJsKeepingValues(node);
  }
  let parsed: unknown;
  try {
    parsed = sjson.parse(text, undefined, PROTO_RULES);
  } catch (err) {
    throw (err as Error).message === SJSON_PROTO_MESSAGE ? protoKey() : invalidJson();
  }
  // Only an object body can be a datum stored whole; a batch array is not re-serialised for nothing.
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) req.rawJson = JSON.stringify(parsed);
  return parsed;
}

const invalidJson = () => badRequest('bad request - the request body is not valid JSON');

type FormFields = Record<string, string | string[]>;

function addField(out: FormFields, name: string, value: string): void {
  if (name === '__proto__') throw protoKey();
  const prev = out[name];
  if (prev === undefined) out[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else out[name] = [prev, value];
}

/** `a=1&b=2` into fields; a repeated name gives an array (as fast-querystring did). */
export function parseForm(buf: Buffer): FormFields {
  if (!isUtf8(buf)) throw notUtf8();
  const out: FormFields = Object.create(null) as FormFields;
  for (const pair of buf.toString('utf8').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    addField(out, decodeComponent(eq === -1 ? pair : pair.slice(0, eq)), eq === -1 ? '' : decodeComponent(pair.slice(eq + 1)));
  }
  return out;
}

const PLUS = /\+/g;
const ONLY_ESCAPES = /^(?:[^%]|%[0-9A-Fa-f]{2})*$/;

/**
 * One form or query component: `+` is a space and `%XX` a byte. Arduino sends text unencoded, so a
 * `%` that starts no escape leaves the text as it is; well-formed escapes that spell bytes that are
 * not UTF-8 are refused.
 */
export function decodeComponent(s: string): string {
  if (s.includes('+')) s = s.replace(PLUS, ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    if (ONLY_ESCAPES.test(s)) throw notUtf8();
    return s;
  }
}

/** Refuses a query string whose escapes spell something that is not UTF-8 (the query parser would keep them as text). */
export function checkQuery(query: string): void {
  for (const pair of query.split('&')) {
    if (!pair.includes('%')) continue;
    for (const part of pair.split('=')) decodeComponent(part);
  }
}

/**
 * Multipart fields, every part as text: this API has no files, and `curl -F value=@file` means the
 * file's text is the value. The whole body is already in memory and under the route's limit.
 */
export function parseMultipart(headers: IncomingHttpHeaders, buf: Buffer, maxParts: number): Promise<FormFields> {
  if (!isUtf8(buf)) return Promise.reject(notUtf8());
  const out: FormFields = Object.create(null) as FormFields;
  if (buf.length === 0) return Promise.resolve(out);
  return new Promise((resolve, reject) => {
    let bb: BusboyInstance;
    try {
      bb = Busboy({
        headers: headers as IncomingHttpHeaders & { 'content-type': string },
        isPartAFile: () => false,
        limits: { parts: maxParts, fieldSize: buf.length, fieldNameSize: 1024 },
      });
    } catch (err) {
      return reject(malformedMultipart(err));
    }
    let refused: AioError | undefined;
    bb.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (refused) return;
      if (nameTruncated || valueTruncated) refused = new AioError(413, 'request entity too large - a multipart field is too long');
      else if (name === '__proto__') refused = protoKey();
      else addField(out, name, value);
    });
    bb.on('partsLimit', () => {
      refused ??= new AioError(413, `request entity too large - at most ${maxParts} multipart parts`);
    });
    bb.on('error', (err) => reject(refused ?? malformedMultipart(err)));
    bb.on('finish', () => (refused ? reject(refused) : resolve(out)));
    bb.end(buf);
  });
}

function malformedMultipart(err: unknown): AioError {
  return badRequest(`bad request - the multipart body is malformed (${err instanceof Error ? err.message : String(err)})`);
}
