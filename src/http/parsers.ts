import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { isUtf8 } from 'node:buffer';
import { Transform, type Readable } from 'node:stream';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import type { HttpLimits } from '../config.js';
import { AioError, badRequest } from '../core/errors.js';
import { compact, parseJson, toJsKeepingValues } from '../core/json.js';

// Request bodies: JSON (ours), form-encoded (@fastify/formbody) and multipart (@fastify/multipart), each
// held to its route's bodyLimit, chunked or not, and checked to be UTF-8 as bytes before anything decodes
// them: decoding first turns bad bytes into U+FFFD, which would then be stored. Fastify reads JSON and form
// bodies within the limit; form bytes pass a UTF-8 check on their way to the parser (a preParsing stream).
// @fastify/multipart reads `req.raw` itself, not the preParsing stream (fastify-multipart#620), so for it
// the same checks watch `req.raw` while it reads. Any other content type is a 415, except on the raw
// webhook route, which has its own parser (routes/webhooks.ts).

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
const FORM_TYPE = 'application/x-www-form-urlencoded';
const IS_FORM = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;

export async function registerBodyParsers(app: FastifyInstance, limits: HttpLimits): Promise<void> {
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

  // Form bytes reach formbody through a UTF-8 check, where this scope's form parser reads them (the raw
  // webhook's scope has its own).
  app.addHook('preParsing', (req, _reply, payload, done) => {
    const type = req.headers['content-type'];
    if (type === undefined || !IS_FORM.test(type) || !req.server.hasContentTypeParser(FORM_TYPE)) return done(null, payload);
    done(null, utf8Checked(payload));
  });
  await app.register(formbody, { parser: parseForm });

  // Every part is taken as a "file", so busboy decodes nothing and the plugin parses no JSON part: a
  // part's bytes, checked as UTF-8 on their way in, are its text (`curl -F value=@file` included).
  await app.register(multipart, { isPartAFile: () => true, limits: { parts: limits.multipartMaxParts } });
  app.addHook('preValidation', (req, reply, done) => {
    if (!req.isMultipart()) return done();
    readMultipart(req, limits.multipartMaxParts).then(
      (fields) => {
        req.body = fields;
        done();
      },
      (err: Error) => {
        // As Fastify does when a body parser fails: the client may still be sending.
        reply.header('connection', 'close');
        done(err);
      },
    );
  });

  // Anything else: an empty body is no body (a DELETE or a Ruby token POST with a stray content type),
  // and an unknown route stays a 404; a body we cannot read is refused before it is read.
  app.addContentTypeParser('*', (req, _payload, done) => {
    const length = req.headers['content-length'];
    if (req.is404 || length === '0' || (length === undefined && req.headers['transfer-encoding'] === undefined))
      return done(null, undefined);
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

/** `a=1&b=2` (already checked to be UTF-8) into fields; a repeated name gives an array (as fast-querystring did). */
export function parseForm(text: string): FormFields {
  const out: FormFields = Object.create(null) as FormFields;
  for (const pair of text.split('&')) {
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

/** A streaming UTF-8 check: `chunk` for each piece in order, `end` once; false from the first bad byte. */
function utf8Check(): { chunk(bytes: Buffer): boolean; end(): boolean } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const ok = (bytes?: Buffer) => {
    try {
      decoder.decode(bytes, { stream: bytes !== undefined });
      return true;
    } catch {
      return false;
    }
  };
  return { chunk: ok, end: () => ok() };
}

/** The same bytes for the form parser, failing with a 400 at the first one that is not UTF-8. */
function utf8Checked(payload: Readable): Readable {
  const utf8 = utf8Check();
  const checked = new Transform({
    transform(chunk: Buffer, _enc, next) {
      if (utf8.chunk(chunk)) next(null, chunk);
      else next(notUtf8());
    },
    flush(next) {
      next(utf8.end() ? null : notUtf8());
    },
  });
  payload.on('error', (err) => checked.destroy(err));
  return payload.pipe(checked);
}

/**
 * Multipart fields, every part as text: this API has no files, and `curl -F value=@file` means the
 * file's text is the value. The plugin parses `req.raw` while `guardBody` holds those same bytes to the
 * route's limit and to UTF-8, to the body's end (busboy finishes only then, bytes after the closing
 * boundary included).
 */
async function readMultipart(req: FastifyRequest, maxParts: number): Promise<FormFields> {
  const limit = req.routeOptions.bodyLimit;
  if (Number(req.headers['content-length']) > limit) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
  const guard = guardBody(req.raw, limit);
  try {
    const [fields] = await Promise.all([collectParts(req, limit), guard.whole]);
    return fields;
  } catch (err) {
    throw multipartRefusal(err as Error & { code?: string }, maxParts);
  } finally {
    guard.release();
  }
}

async function collectParts(req: FastifyRequest, limit: number): Promise<FormFields> {
  const out: FormFields = Object.create(null) as FormFields;
  for await (const part of req.parts({ limits: { fileSize: limit } })) {
    // By the time a part has ended, the guard has seen its bytes (and the boundary after them).
    if (part.type === 'file') addField(out, part.fieldname, (await part.toBuffer()).toString('utf8'));
  }
  return out;
}

/**
 * Watches a request stream's bytes as another reader takes them (its 'data' listener runs before the
 * reader's pipe). `whole` resolves at the stream's end, or rejects as soon as the bytes pass `limit`
 * (413) or are not UTF-8 (400): then the reader is fed nothing more (the answer closes the connection).
 */
function guardBody(stream: Readable, limit: number): { whole: Promise<void>; release(): void } {
  const utf8 = utf8Check();
  let received = 0;
  let settle!: { resolve(): void; reject(err: Error): void };
  const whole = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const release = () => {
    stream.off('data', onData);
    stream.off('end', onEnd);
  };
  const refuse = (err: Error) => {
    release();
    stream.unpipe();
    settle.reject(err);
  };
  function onData(chunk: Buffer) {
    received += chunk.length;
    if (received > limit) refuse(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    else if (!utf8.chunk(chunk)) refuse(notUtf8());
  }
  function onEnd() {
    release();
    if (utf8.end()) settle.resolve();
    else settle.reject(notUtf8());
  }
  // Listening for data would start the flow; the reader's pipe starts it instead.
  stream.on('data', onData).on('end', onEnd).pause();
  return { whole, release };
}

/**
 * The guard's refusals as they are; the plugin's by code; anything else is busboy's, which has no
 * codes, on a body it could not parse: a 400. (A part cannot reach the plugin's file size limit: it is
 * the route's, and the guard counts the whole body first.)
 */
function multipartRefusal(err: Error & { code?: string }, maxParts: number): Error {
  if (err instanceof AioError || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return err;
  if (err.code === 'FST_PARTS_LIMIT') return new AioError(413, `request entity too large - at most ${maxParts} multipart parts`);
  if (err.code === 'FST_PROTO_VIOLATION') return protoKey();
  return badRequest(`bad request - the multipart body is malformed (${err.message})`);
}
