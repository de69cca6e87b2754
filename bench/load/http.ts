/**
 * HTTP load from its own process: autocannon's programmatic API, an optional warm-up run first.
 * Argument: JSON { url, method?, headers?, body?, connections, duration, warmup?, paths?, overallRate? }:
 * with `paths` the connections cycle through those GET paths, with `overallRate` at most that many
 * requests a second in all (readers at a dashboard's pace rather than a flood).
 * Result: { rps, total, p50, p99, meanLatency, non2xx, errors }.
 */
import autocannon from 'autocannon';
import { parent } from '../lib/procs.js';

interface Config {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  duration: number;
  warmup?: number;
  paths?: string[];
  overallRate?: number;
}

const cfg = parent.config<Config>();
const run = (duration: number) =>
  autocannon({
    url: cfg.url,
    method: cfg.method ?? 'GET',
    headers: cfg.headers,
    body: cfg.body,
    connections: cfg.connections,
    duration,
    timeout: 30,
    ...(cfg.paths ? { requests: cfg.paths.map((path) => ({ method: 'GET' as const, path })) } : {}),
    ...(cfg.overallRate ? { overallRate: cfg.overallRate } : {}),
  });

try {
  if (cfg.warmup) await run(cfg.warmup);
  const r = await run(cfg.duration);
  parent.send({
    type: 'result',
    rps: r.requests.average,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    meanLatency: r.latency.average,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  });
} catch (err) {
  parent.fail(err);
}
parent.onStop(() => {});
