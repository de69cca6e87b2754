import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ConsoleSession } from '../core/console-sessions.js';
import type { Core } from '../core/core.js';
import { unauthorized } from '../core/errors.js';
import type { ActivityEvent, DataEvent } from '../core/events.js';
import { tokenRefusal } from '../core/tokens.js';
import { sameOrigin, sessionSecret } from './cookie.js';

export interface EventStreamOptions {
  core: Core;
  /** Headers every console response carries (CSP and friends): the stream writes its own. */
  headers: Record<string, string>;
  /** How often a comment line keeps the socket (and proxies) from closing a quiet stream, and the session is looked at again. */
  heartbeatMs?: number;
  /** Bytes a stream may have waiting for a slow reader before it is closed (the page reconnects and reloads). */
  maxBufferedBytes?: number;
}

const ACTIVITY_TYPES: Readonly<Record<string, string>> = { Feed: 'feed', Group: 'group', Dashboard: 'dashboard', Block: 'block' };

interface Stream {
  session: ConsoleSession;
  secret: string;
  res: ServerResponse;
  close(cut?: boolean): void;
}

/**
 * `GET /console/events`: the core's events (after their commit) as Server-Sent Events, only those of
 * the session's own account and, for a token session, what the token may read. No backlog is kept:
 * a reader that falls behind is cut off, and the page reloads what it shows when it reconnects.
 */
export async function eventRoutes(app: FastifyInstance, opts: EventStreamOptions) {
  const { core } = opts;
  // A beat well inside the socket idle timeout (AIO's http.idleTimeoutMs closes silent sockets), which a
  // quiet stream would otherwise hit.
  const heartbeatMs = opts.heartbeatMs ?? Math.max(10, Math.min(15_000, Math.floor(core.config.http.idleTimeoutMs / 2)));
  const maxBuffered = opts.maxBufferedBytes ?? 256 * 1024;
  const streams = new Set<Stream>();

  const send = (s: Stream, type: string, data: unknown) => {
    if (s.res.writableLength > maxBuffered) return s.close(true);
    s.res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const dataPayloads = new WeakMap<DataEvent, object>();
  const dataPayload = (e: DataEvent) => {
    let payload = dataPayloads.get(e);
    if (!payload) {
      const groups = core.feeds.memberships(e.user, [e.feed.id]).get(e.feed.id) ?? [];
      payload = {
        feed_key: e.feed.key,
        feed_id: e.feed.id,
        group_keys: groups.map((g) => g.key),
        datum: core.serialize.datum(e.datum, e.feed.key),
      };
      dataPayloads.set(e, payload);
    }
    return payload;
  };
  const reads = (s: Stream, feedId: number | undefined) =>
    !s.session.token || tokenRefusal(s.session.token, 'readable', core.now(), feedId) === undefined;

  const offs = [
    core.events.on('data', (e) => {
      for (const s of streams) if (s.session.user.id === e.user.id && reads(s, e.feed.id)) send(s, 'data', dataPayload(e));
    }),
    core.events.on('activity', (e: ActivityEvent) => {
      const type = ACTIVITY_TYPES[e.model];
      if (!type) return;
      const record = e.record as { id?: number; key?: string };
      for (const s of streams) {
        if (s.session.user.id !== e.userId) continue;
        // A token bound to one feed reads that feed and nothing else.
        if (s.session.token?.feedId != null && (type !== 'feed' || record.id !== s.session.token.feedId)) continue;
        if (reads(s, type === 'feed' ? record.id : undefined))
          send(s, type, { action: e.action, key: record.key ?? null, id: record.id ?? null });
      }
    }),
    core.events.on('throttle', ({ user, waitSeconds, message }) => {
      for (const s of streams) if (s.session.user.id === user.id) send(s, 'throttle', { waitSeconds, message });
    }),
    core.events.on('ban', ({ user, ban }) => {
      for (const s of streams) if (s.session.user.id === user.id) send(s, 'ban', { ...ban });
    }),
    core.consoleSessions.onEnd(({ userId }) => {
      for (const s of streams) if (s.session.user.id === userId && !core.consoleSessions.resolve(s.secret, false)) s.close();
    }),
  ];
  // The idle timeout runs on the core clock: each beat looks at every session again.
  const beat = setInterval(() => {
    for (const s of streams) {
      if (!core.consoleSessions.resolve(s.secret, false)) s.close();
      else s.res.write(': ping\n\n');
    }
  }, heartbeatMs);
  beat.unref();
  app.addHook('preClose', (done) => {
    clearInterval(beat);
    for (const off of offs) off();
    for (const s of streams) s.close();
    done();
  });

  app.get('/console/events', (req, reply) => {
    const secret = sessionSecret(req);
    const session = secret !== undefined && sameOrigin(req) ? core.consoleSessions.resolve(secret) : undefined;
    if (!secret || !session) throw unauthorized('unauthorized - not signed in to the console');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...opts.headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    // A key session must end when the key is replaced, also by the account command in another process.
    const unwatch = session.token ? () => {} : core.accounts.watchKey(session.user);
    const stream: Stream = {
      session,
      secret,
      res,
      close(cut = false) {
        if (!streams.delete(stream)) return;
        unwatch();
        // A clean end makes the page reconnect (and find out why); a cut drops what a slow reader had waiting.
        if (cut) res.destroy();
        else res.end();
      },
    };
    streams.add(stream);
    res.on('close', () => stream.close());
    res.write('retry: 2000\n\n: connected\n\n');
  });
}
