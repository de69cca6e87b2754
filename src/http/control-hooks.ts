// The HTTP door's hooks for the test control plane (issue #18): fault rules and the traffic journal.
// buildApp adds them only when the control plane is on, so with it off no request runs any of this.
//
// Rules match `{method, path}` on the API path (after /api/v2, normalised as the router sees it).
// Phase `before` acts in onRequest: nothing has been read or written. Phase `after` acts in onSend
// of a request that succeeded: the write is committed and only the answer goes wrong, which is what
// makes a device retry something that already happened. `truncate` always acts on the answer.

import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { apiPath, type FaultRule, type Faults } from '../core/faults.js';
import type { Journal } from '../core/journal.js';
import { redactUrl } from './redact.js';

export interface HttpControl {
  faults?: Faults;
  journal?: Journal;
}

/** Request bodies are journaled up to this many characters. */
const BODY_MAX = 4096;
/** Top-level API paths that are not an account's (`/user` is the caller's own: see accountOf). */
const NOT_ACCOUNTS = new Set(['user', 'webhooks', 'time']);

const FAULT = Symbol('control fault');
type Marked = FastifyRequest & { [FAULT]?: string };

/** The account a request is about: the path's username, else the one whose key it carried. */
function accountOf(req: FastifyRequest, path: string): string | undefined {
  const end = path.indexOf('/', 1);
  const first = decodeSegment(end === -1 ? path.slice(1) : path.slice(1, end));
  if (first !== '' && !NOT_ACCOUNTS.has(first)) return first;
  const r = req as FastifyRequest & { actor?: { username: string } | null; user?: { username: string } | null };
  return r.user?.username ?? r.actor?.username ?? undefined;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function isApi(url: string): boolean {
  return url.startsWith('/api/v2/') || url === '/api/v2' || url.startsWith('/api/v2?');
}

/** A `status` rule's code and headers on the reply, its body JSON. */
function faultStatus(reply: FastifyReply, rule: FaultRule): FastifyReply {
  return reply
    .code(rule.action.status as number)
    .headers((rule.action.headers as Record<string, string>) ?? {})
    .type('application/json; charset=utf-8');
}

function faultBody(rule: FaultRule): string {
  const body = rule.action.body ?? { error: `fault injected by the test control plane (rule ${rule.id})` };
  return typeof body === 'string' ? body : JSON.stringify(body);
}

export function installControlHooks(app: FastifyInstance, control: HttpControl): void {
  const { faults, journal } = control;
  /** Connections a `drop` left unanswered, and `delay`s under way: ended when the server closes. */
  const dropped = new Set<Socket>();
  const delays = new Map<NodeJS.Timeout, () => void>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      delays.delete(timer);
      fn();
    }, ms);
    delays.set(timer, fn);
  };

  app.addHook('preClose', (done) => {
    for (const [timer, fn] of delays) {
      clearTimeout(timer);
      fn();
    }
    delays.clear();
    for (const s of dropped) s.destroy();
    dropped.clear();
    done();
  });

  /** Journals a request whose answer Fastify will never send (drop, reset, truncate). */
  const recordUnanswered = (req: FastifyRequest, status: number | null, rule: FaultRule) => {
    if (journal) record(journal, req, status, rule.id);
  };

  const drop = (req: FastifyRequest, reply: FastifyReply, rule: FaultRule) => {
    reply.hijack();
    req.raw.resume();
    const socket = req.raw.socket;
    dropped.add(socket);
    socket.once('close', () => dropped.delete(socket));
    recordUnanswered(req, null, rule);
  };

  const reset = (req: FastifyRequest, reply: FastifyReply, rule: FaultRule) => {
    reply.hijack();
    recordUnanswered(req, null, rule);
    req.raw.socket.resetAndDestroy();
  };

  if (faults) {
    app.addHook('onRequest', (req, reply, done) => {
      if (!faults.any('http') || !isApi(req.url)) return done();
      const path = apiPath(req.url);
      const rule = faults.match('http', accountOf(req, path), { method: req.method, path }, 'before');
      if (!rule) return done();
      (req as Marked)[FAULT] = rule.id;
      switch (rule.action.type) {
        case 'status':
          void faultStatus(reply, rule).send(faultBody(rule));
          return;
        case 'delay':
          return later(rule.action.ms as number, done);
        case 'drop':
          return drop(req, reply, rule);
        case 'reset':
          return reset(req, reply, rule);
      }
      done();
    });

    app.addHook('onSend', (req, reply, payload, done) => {
      if ((req as Marked)[FAULT] !== undefined || reply.statusCode >= 400 || !faults.any('http') || !isApi(req.url)) {
        return done(null, payload);
      }
      const path = apiPath(req.url);
      const rule = faults.match('http', accountOf(req, path), { method: req.method, path }, 'after');
      if (!rule) return done(null, payload);
      (req as Marked)[FAULT] = rule.id;
      switch (rule.action.type) {
        case 'status':
          faultStatus(reply, rule);
          return done(null, faultBody(rule));
        case 'delay':
          return later(rule.action.ms as number, () => done(null, payload));
        case 'drop':
          // The onSend chain is left unfinished: Fastify never writes this answer.
          return drop(req, reply, rule);
        case 'reset':
          return reset(req, reply, rule);
        case 'truncate': {
          // The headers promise the whole body; the first `bytes` of it come, then the connection ends.
          const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? Buffer.from(payload) : Buffer.alloc(0);
          const res = reply.raw;
          reply.hijack();
          res.writeHead(reply.statusCode, { ...reply.getHeaders(), 'content-length': String(body.length) } as Record<string, string>);
          recordUnanswered(req, reply.statusCode, rule);
          res.write(body.subarray(0, rule.action.bytes as number), () => res.socket?.destroy());
          return;
        }
      }
      done(null, payload);
    });
  }

  if (journal) {
    app.addHook('onResponse', (req, reply, done) => {
      if (isApi(req.url)) record(journal, req, reply.statusCode, (req as Marked)[FAULT] ?? null);
      done();
    });
  }
}

function record(journal: Journal, req: FastifyRequest, status: number | null, fault: string | null): void {
  const path = apiPath(req.url);
  const account = accountOf(req, path);
  if (account === undefined) return;
  const redacted = redactUrl(req.url);
  const q = redacted.indexOf('?');
  let body: string | undefined;
  if (req.body !== undefined && req.body !== null) {
    const text = typeof req.body === 'string' ? req.body : Buffer.isBuffer(req.body) ? req.body.toString('utf8') : JSON.stringify(req.body);
    body = text.length > BODY_MAX ? text.slice(0, BODY_MAX) : text;
  }
  journal.append({
    account,
    door: 'http',
    dir: 'in',
    method: req.method,
    path: apiPath(q === -1 ? redacted : redacted.slice(0, q)),
    query: q === -1 ? '' : redacted.slice(q + 1),
    status,
    ...(body === undefined ? {} : { body }),
    ip: req.ip,
    fault,
  });
}
