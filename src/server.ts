import type { FastifyInstance } from 'fastify';
import { checkControlKey, type Config } from './config.js';
import { Core } from './core/core.js';
import type { Clock } from './core/clock.js';
import type { ControlOptions } from './core/control.js';
import { ControlClock } from './core/control-clock.js';
import { Faults } from './core/faults.js';
import { Journal } from './core/journal.js';
import { Checkpointer } from './db/checkpointer.js';
import { closeDb, openDb } from './db/open.js';
import { buildApp } from './http/app.js';
import { startBroker, type MqttBroker, type StartedBroker } from './mqtt/broker.js';
import type { Timers } from './mqtt/time.js';
import { announcer, createLogger, type Logger } from './log.js';

export interface Server {
  core: Core;
  http: FastifyInstance;
  httpUrl: string;
  mqtt: MqttBroker;
  /** The bound MQTT TCP port (config.mqttPort, or the one picked for port 0). */
  mqttPort: number;
  /** The bound MQTTS port, when AIO_TLS_CERT and AIO_TLS_KEY are set. */
  mqttsPort: number | undefined;
  /** The test control plane, when AIO_CONTROL_PORT is set: its URL and what the doors were given. */
  controlUrl: string | undefined;
  control: ControlOptions | undefined;
  close(): Promise<void>;
}

/** Builds and starts everything `npm start` runs; tests and benchmarks use the same path. */
export async function startServer(
  config: Config,
  opts: {
    clock?: Clock;
    log?: (line: string) => void;
    logger?: Logger;
    mqttTimers?: Timers | null;
    /** Web console SSE heartbeat in ms (tests shorten it). */
    consoleHeartbeatMs?: number;
  } = {},
): Promise<Server> {
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  // What a person starting the server must see; tests pass their own sink.
  const announce = opts.log ? (_fields: object, line: string) => opts.log!(line) : announcer(logger);
  checkControlKey(config.controlPort, config.controlKey);
  // With the control plane off the core gets the given clock itself: nothing of it exists.
  const controlClock = config.controlPort === undefined ? undefined : new ControlClock(opts.clock);
  const clock = controlClock?.now ?? opts.clock;
  const db = openDb(config.dbPath, { busyTimeoutMs: 0 });
  const core = new Core(db, config, clock);
  const control: ControlOptions | undefined = controlClock && {
    clock: controlClock,
    faults: new Faults(controlClock.now),
    journal: new Journal(controlClock.now, config.controlJournalMax),
  };
  controlClock?.onChange(({ state, jumpMs }) => core.events.emit('clock', { now: state.now, jumpMs }));
  core.events.on('error', ({ source, err }) =>
    logger.error(
      { source, err: { message: String((err as Error)?.message ?? err), code: (err as { code?: string })?.code } },
      `${source} failed`,
    ),
  );
  const made = provisionAccounts(core, config);
  const http = await buildApp(core, { logger, control, consoleHeartbeatMs: opts.consoleHeartbeatMs });
  await http.ready();
  let mqtt: StartedBroker | undefined;
  let controlApp: FastifyInstance | undefined;
  let controlUrl: string | undefined;
  try {
    mqtt = await startBroker(core, config, {
      clock,
      control,
      timers: opts.mqttTimers,
      httpServer: http.server,
      log: opts.log ?? (config.logLevel === 'silent' ? undefined : (line) => logger.warn({ door: 'mqtt' }, line)),
      debug: config.logLevel === 'debug' || config.logLevel === 'trace',
    });
    if (control && config.controlPort !== undefined) {
      // Loaded only when configured: with the control plane off its code is never read.
      const { buildControlApp } = await import('./control/server.js');
      controlApp = await buildControlApp(core, { key: config.controlKey!, control });
      await controlApp.ready();
      await listen(controlApp, config.controlPort, config.controlHost);
      controlUrl = `http://${config.controlHost.includes(':') ? `[${config.controlHost}]` : config.controlHost}:${boundPort(controlApp, config.controlPort)}`;
    }
    // The API's port opens last: a rig that waits for /health may then use MQTT and the control plane at
    // once. Listened on directly: Fastify's own listen logs a line per address, which the banner replaces.
    await listen(http, config.port, config.host);
  } catch (err) {
    await controlApp?.close();
    await mqtt?.broker.close();
    await http.close();
    closeDb(db);
    throw err;
  }
  // Fixed here: the closures below see a const, not the `let` narrowed above.
  const started = mqtt;
  const port = boundPort(http, config.port);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const httpUrl = `http://${shownHost}:${port}`;
  const where = {
    http: `${httpUrl}/api/v2`,
    mqtt: `mqtt://${shownHost}:${started.port}`,
    ws: `ws://${shownHost}:${port}/mqtt`,
    ...(started.tlsPort === undefined ? {} : { mqtts: `mqtts://${shownHost}:${started.tlsPort}` }),
  };
  const accounts = core.accounts.list().map((u) => u.username);
  for (const m of made) {
    announce(
      { account: m.username },
      `Created account ${m.username} with key ${m.key} (shown once; rotate with: npm run aio -- user key ${m.username})`,
    );
  }
  announce(
    { ...where, accounts },
    `aio-local ready: HTTP API on ${where.http}, MQTT on ${where.mqtt}, WebSocket ${where.ws}` +
      (where.mqtts ? `, MQTTS ${where.mqtts}` : '') +
      ` (accounts: ${accounts.join(', ')})`,
  );
  if (controlUrl) {
    // Loud on purpose (the banner's level, whatever LOG_LEVEL says): this port can erase every account.
    announce(
      { control: controlUrl },
      `WARNING: test control plane ON at ${controlUrl}/_aio — anyone holding AIO_CONTROL_KEY can erase every account and fake failures; for test rigs only, never expose it`,
    );
  }
  core.startSweeps();
  // WAL checkpoints in a worker thread, so that no commit (and no client) waits for one.
  const checkpoints =
    config.dbCheckpointMs > 0
      ? new Checkpointer(db.$client, {
          intervalMs: config.dbCheckpointMs,
          onError: (err) => core.events.emit('error', { source: 'wal checkpoint', err }),
        })
      : undefined;
  checkpoints?.start();
  let closing: Promise<void> | undefined;
  return {
    core,
    http,
    httpUrl,
    mqtt: started.broker,
    mqttPort: started.port,
    mqttsPort: started.tlsPort,
    controlUrl,
    control,
    close() {
      // Stop accepting, let requests in flight finish, then close the database cleanly.
      closing ??= (async () => {
        core.stop();
        // Journal waits end first: the control listener's close waits for the requests they hold.
        control?.journal?.close();
        await controlApp?.close();
        await started.broker.close();
        await http.close();
        // Its connection closed first, so that closeDb's checkpoint leaves no WAL behind.
        await checkpoints?.stop();
        closeDb(db);
      })();
      return closing;
    },
  };
}

/** Makes the configured accounts (or a first one); returns those whose key was generated, to show once. */
function provisionAccounts(core: Core, config: Config): Array<{ username: string; key: string }> {
  const made: Array<{ username: string; key: string }> = [];
  const wanted = [...(config.username ? [{ username: config.username, key: config.key }] : []), ...config.extraUsers];
  for (const { username, key } of wanted) {
    const res = core.accounts.ensure(username, key);
    if (res.generatedKey) made.push({ username, key: res.generatedKey });
  }
  if (core.accounts.list().length === 0) {
    const username = config.username ?? 'aio';
    const res = core.accounts.ensure(username, undefined);
    if (res.generatedKey) made.push({ username, key: res.generatedKey });
  }
  return made;
}

function listen(app: FastifyInstance, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(port, host, () => {
      app.server.off('error', reject);
      resolve();
    });
  });
}

function boundPort(app: FastifyInstance, fallback: number): number {
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : fallback;
}
