import { request, type IncomingMessage } from 'node:http';
import { SAME_ORIGIN } from './helpers.js';

export interface SseEvent {
  type: string;
  data: any;
}

/** A reader of /console/events over a real socket, as EventSource reads it. */
export interface SseStream {
  status: number;
  headers: IncomingMessage['headers'];
  events: SseEvent[];
  /** Comment lines (`: ping`) seen so far. */
  comments: number;
  /** The next event of `type` not yet taken (waits up to `ms`). */
  next(type: string, ms?: number): Promise<SseEvent>;
  /** Resolves when the server ends or cuts the stream. */
  ended: Promise<void>;
  /** Resolves when it ended within `ms`, else rejects (a stream must end by its own signal, not a socket timeout). */
  endsWithin(ms?: number): Promise<void>;
  res: IncomingMessage;
  close(): void;
}

export function openStream(base: string, cookie: string | null, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/console/events`, { headers: { ...SAME_ORIGIN, ...(cookie ? { cookie } : {}), ...headers } }, (res) => {
      const events: SseEvent[] = [];
      const taken = new Set<SseEvent>();
      const waiters: Array<() => void> = [];
      let buf = '';
      let endedResolve!: () => void;
      const ended = new Promise<void>((r) => (endedResolve = r));
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        comments: 0,
        ended,
        endsWithin: (ms = 3000) =>
          Promise.race([
            ended,
            new Promise<void>((_, fail) => setTimeout(() => fail(new Error(`stream still open after ${ms} ms`)), ms).unref()),
          ]),
        res,
        next(type, ms = 3000) {
          return new Promise((ok, fail) => {
            const look = () => {
              const e = events.find((x) => x.type === type && !taken.has(x));
              if (!e) return false;
              taken.add(e);
              clearTimeout(timer);
              ok(e);
              return true;
            };
            const timer = setTimeout(
              () => fail(new Error(`no ${type} event within ${ms} ms (got ${events.map((e) => e.type).join(', ')})`)),
              ms,
            );
            if (!look()) waiters.push(() => void look());
          });
        },
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let at = buf.indexOf('\n\n');
        while (at !== -1) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          at = buf.indexOf('\n\n');
          let type = 'message';
          let data = '';
          let isEvent = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments++;
            else if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) {
              data += line.slice(6);
              isEvent = true;
            }
          }
          if (isEvent) events.push({ type, data: JSON.parse(data) });
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', endedResolve);
      res.on('close', endedResolve);
      res.on('error', endedResolve);
      resolve(stream);
    });
    req.on('error', reject);
    req.end();
  });
}
