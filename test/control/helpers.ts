import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { startServer, type Server } from '../../src/server.js';
import { FakeClock, tempDir, testConfig } from '../helpers.js';

export const CONTROL_KEY = 'control-key-0123456789';

export interface Controlled {
  server: Server;
  /** The FakeClock underneath the control clock. */
  base: FakeClock;
  /** Lines the server announced (banner, warnings). */
  lines: string[];
  /** A control call with the right bearer key unless `key` says otherwise (null: no header). */
  ctl(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; json: any }>;
  /** A main-port API call as `user` with `key`. */
  api(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** The whole server as `npm start` runs it, with the control plane on a loopback port and a fake clock under it. */
export async function startControlled(config: Partial<Config> = {}): Promise<Controlled> {
  const tmp = tempDir();
  const base = new FakeClock();
  const lines: string[] = [];
  const server = await startServer(
    testConfig(
      { username: 'alice', key: 'alice-key-0123456789', controlPort: 0, controlKey: CONTROL_KEY, ...config },
      join(tmp.dir, 'aio.sqlite'),
    ),
    { clock: base.now, log: (line) => lines.push(line), mqttTimers: null },
  );
  const call = async (url: string, method: string, headers: Record<string, string>, body: unknown) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };
  return {
    server,
    base,
    lines,
    ctl: (method, path, body, key = CONTROL_KEY) =>
      call(`${server.controlUrl}${path}`, method, key === null ? {} : { authorization: `Bearer ${key}` }, body),
    api: (method, path, key, body) => call(`${server.httpUrl}/api/v2${path}`, method, { 'x-aio-key': key }, body),
    async close() {
      await server.close();
      tmp.cleanup();
    },
  };
}
