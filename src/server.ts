import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { Core } from './core/core.js';
import type { Clock } from './core/clock.js';
import { closeDb, openDb } from './db/open.js';
import { buildApp } from './http/app.js';
import { startBroker, type MqttBroker } from './mqtt/broker.js';
import type { Timers } from './mqtt/time.js';

export interface Server {
  core: Core;
  http: FastifyInstance;
  httpUrl: string;
  mqtt: MqttBroker;
  /** The bound MQTT TCP port (config.mqttPort, or the one picked for port 0). */
  mqttPort: number;
  /** The bound MQTTS port, when AIO_TLS_CERT and AIO_TLS_KEY are set. */
  mqttsPort: number | undefined;
  close(): Promise<void>;
}

/** Builds and starts everything `npm start` runs; tests and benchmarks use the same path. */
export async function startServer(
  config: Config,
  opts: { clock?: Clock; log?: (line: string) => void; mqttTimers?: Timers | null } = {},
): Promise<Server> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const db = openDb(config.dbPath, { busyTimeoutMs: 0 });
  const core = new Core(db, config, opts.clock);
  provisionAccounts(core, config, log);
  const http = await buildApp(core);
  await http.listen({ port: config.port, host: config.host });
  const addr = http.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const httpUrl = `http://${shownHost}:${port}`;
  let mqtt;
  try {
    mqtt = await startBroker(core, config, {
      clock: opts.clock,
      timers: opts.mqttTimers,
      httpServer: http.server,
      log: config.logLevel === 'silent' ? undefined : log,
      debug: config.logLevel === 'debug' || config.logLevel === 'trace',
    });
  } catch (err) {
    await http.close();
    closeDb(db);
    throw err;
  }
  log(
    `aio-local MQTT on mqtt://${shownHost}:${mqtt.port}, ws://${shownHost}:${port}/mqtt` +
      (mqtt.tlsPort === undefined ? '' : `, mqtts://${shownHost}:${mqtt.tlsPort}`),
  );
  core.startSweeps();
  let closing: Promise<void> | undefined;
  return {
    core,
    http,
    httpUrl,
    mqtt: mqtt.broker,
    mqttPort: mqtt.port,
    mqttsPort: mqtt.tlsPort,
    close() {
      // Stop accepting, let requests in flight finish, then close the database cleanly.
      closing ??= (async () => {
        core.stop();
        await mqtt.broker.close();
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
