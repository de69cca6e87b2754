import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { Core } from './core/core.js';
import type { Clock } from './core/clock.js';
import { closeDb, openDb } from './db/open.js';
import { buildApp } from './http/app.js';

export interface Server {
  core: Core;
  http: FastifyInstance;
  httpUrl: string;
  close(): Promise<void>;
}

/** Builds and starts everything `npm start` runs; tests and benchmarks use the same path. */
export async function startServer(config: Config, opts: { clock?: Clock; log?: (line: string) => void } = {}): Promise<Server> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const db = openDb(config.dbPath);
  const core = new Core(db, config, opts.clock);
  provisionAccounts(core, config, log);
  const http = await buildApp(core);
  await http.listen({ port: config.port, host: config.host });
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const httpUrl = `http://${shownHost}:${port}`;
  core.startSweeps();
  let closing: Promise<void> | undefined;
  return {
    core,
    http,
    httpUrl,
    close() {
      // Stop accepting, let requests in flight finish, then close the database cleanly.
      closing ??= (async () => {
        core.stop();
        await http.close();
        closeDb(db);
      })();
      return closing;
    },
  };
}

function provisionAccounts(core: Core, config: Config, log: (line: string) => void): void {
  const wanted = [...(config.username ? [{ username: config.username, key: config.key }] : []), ...config.extraUsers];
  for (const { username, key } of wanted) {
    const res = core.accounts.ensure(username, key);
    if (res.generatedKey) log(`Created account ${username} with key ${res.generatedKey} (shown once; rotate with: npm run aio -- user key ${username})`);
  }
  if (core.accounts.list().length === 0) {
    const username = config.username ?? 'aio';
    const res = core.accounts.ensure(username, undefined);
    log(`Created account ${username} with key ${res.generatedKey} (shown once; rotate with: npm run aio -- user key ${username})`);
  }
}
