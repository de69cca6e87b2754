// What an operator watches (`GET /metrics`, Prometheus text format): a registry of prom-client
// collectors, built only when AIO_METRICS_TOKEN is set. prom-client is loaded then too, so a server
// without metrics carries none of it (idle RSS is a benchmark target).
//
// The hot paths only bump plain integers (`wrote`, `published`, `delivered`); the collectors read them
// when scraped. A labelled prom-client counter costs a label hash per increment, which per data point
// is a measurable share of http-ingest (bench/scenarios/metrics-cost.ts); an integer costs nothing.

import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Prom from 'prom-client';
import type { CoreEventBus } from './events.js';
import type { Limiter } from './limiter.js';

/** Where a data point came in. MQTT points are counted from the core's data events (they carry a QoS). */
export type Door = 'http' | 'mqtt' | 'webhook' | 'action';
const DOORS: readonly Door[] = ['http', 'mqtt', 'webhook', 'action'];

/** What the MQTT door lets the registry read at scrape time. */
export interface MqttGauges {
  connections: () => number;
  subscriptions: () => number;
}

const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const COMMIT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class Metrics {
  readonly registry: Prom.Registry;
  readonly contentType: string;
  private readonly written: Record<Door, number> = { http: 0, mqtt: 0, webhook: 0, action: 0 };
  private publishesIn = 0;
  private deliveriesOut = 0;
  private mqtt: MqttGauges | undefined;
  private readonly batchSize: Prom.Histogram;
  private readonly commitSeconds: Prom.Histogram;
  private readonly detach: () => void;

  constructor(opts: { events: CoreEventBus; limiter: Limiter; dbPath: string }) {
    const prom = createRequire(import.meta.url)('prom-client') as typeof Prom;
    const registry = new prom.Registry();
    this.registry = registry;
    this.contentType = registry.contentType;
    // Process CPU, memory, file descriptors, GC and event-loop lag (nodejs_eventloop_lag_*).
    prom.collectDefaultMetrics({ register: registry });
    const self = this;
    const registers = [registry];

    new prom.Counter({
      name: 'aio_data_points_written_total',
      help: 'Data points stored (committed), by the door they came through.',
      labelNames: ['door'],
      registers,
      collect() {
        this.reset();
        for (const door of DOORS) this.inc({ door }, self.written[door]);
      },
    });
    new prom.Counter({
      name: 'aio_mqtt_publishes_received_total',
      help: 'PUBLISH packets received from MQTT clients.',
      registers,
      collect() {
        setCounter(this, self.publishesIn);
      },
    });
    new prom.Counter({
      name: 'aio_mqtt_deliveries_total',
      help: 'PUBLISH packets the broker wrote to subscribers (data, throttle, errors and time topics).',
      registers,
      collect() {
        setCounter(this, self.deliveriesOut);
      },
    });
    new prom.Gauge({
      name: 'aio_mqtt_connections',
      help: 'MQTT clients connected now (TCP, TLS and WebSocket).',
      registers,
      collect() {
        this.set(self.mqtt?.connections() ?? 0);
      },
    });
    new prom.Gauge({
      name: 'aio_mqtt_subscriptions',
      help: 'MQTT subscriptions held now.',
      registers,
      collect() {
        this.set(self.mqtt?.subscriptions() ?? 0);
      },
    });
    new prom.Counter({
      name: 'aio_throttled_writes_total',
      help: 'Writes refused by the data rate limit (HTTP 429, MQTT throttle).',
      registers,
      collect() {
        setCounter(this, opts.limiter.refusals);
      },
    });
    const bans = new prom.Counter({
      name: 'aio_mqtt_bans_total',
      help: 'Temporary MQTT bans started, by reason.',
      labelNames: ['reason'],
      registers,
    });
    bans.inc({ reason: 'connect' }, 0);
    bans.inc({ reason: 'abuse' }, 0);
    this.batchSize = new prom.Histogram({
      name: 'aio_group_commit_batch_size',
      help: 'Writes committed together in one group-commit transaction.',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.commitSeconds = new prom.Histogram({
      name: 'aio_group_commit_seconds',
      help: 'Time to run and commit one group-commit transaction.',
      buckets: COMMIT_BUCKETS,
      registers,
    });
    const dbPath = opts.dbPath;
    new prom.Gauge({
      name: 'aio_db_file_bytes',
      help: 'Size of the SQLite database file and of its write-ahead log.',
      labelNames: ['file'],
      registers,
      collect() {
        this.set({ file: 'main' }, fileSize(dbPath));
        this.set({ file: 'wal' }, fileSize(`${dbPath}-wal`));
      },
    });

    const offData = opts.events.on('data', (e) => {
      if (e.qos !== undefined) this.written.mqtt++;
    });
    const offBan = opts.events.on('ban', (e) => bans.inc({ reason: e.ban.reason }));
    this.detach = () => {
      offData();
      offBan();
    };
  }

  /** `n` points a door stored (counted once their commit is done). */
  wrote(door: Exclude<Door, 'mqtt'>, n: number): void {
    this.written[door] += n;
  }

  published(): void {
    this.publishesIn++;
  }

  delivered(): void {
    this.deliveriesOut++;
  }

  /** One group commit: how many writes it held, and how long it took (milliseconds). */
  committed(writes: number, ms: number): void {
    this.batchSize.observe(writes);
    this.commitSeconds.observe(ms / 1000);
  }

  watchMqtt(gauges: MqttGauges): () => void {
    this.mqtt = gauges;
    return () => {
      if (this.mqtt === gauges) this.mqtt = undefined;
    };
  }

  /** The text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  stop(): void {
    this.detach();
    this.registry.clear();
  }
}

/** Counters kept as plain integers elsewhere: the collector sets the exported value to the integer. */
function setCounter(counter: Prom.Counter<string>, value: number): void {
  counter.reset();
  counter.inc(value);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    // No WAL yet (or a database in memory).
    return 0;
  }
}
