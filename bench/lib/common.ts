/** Shared by the runner, the scenarios and the child processes of the benchmark suite. */

/** One line of the results table. */
export interface Row {
  scenario: string;
  /** Our figure and the baseline's, as shown (with units). */
  ours: string;
  baseline: string;
  /** The compared quantity: ours / baseline for rates, the other way round for times (see `target`). */
  ratio: number;
  target: string;
  met: boolean;
  /** The smallest and largest ratio of one round's pair (round i of ours against round i of the baseline). */
  spread?: [number, number];
  /** Raw figures, for bench/results.json. */
  data?: Record<string, unknown>;
}

/** What every scenario reads: how long to load, how often to alternate, where to put files. */
export interface Ctx {
  /** Seconds of load per measured run. */
  duration: number;
  /** Measured runs per side (at least 3 in a full run); the sides alternate (ours, baseline, ours, baseline...). */
  rounds: number;
  /** `--quick`: fewer clients and points, for development (figures not comparable with a full run). */
  quick: boolean;
  /** A temporary folder for this suite run, removed at the end. */
  tmp: string;
  /** Profile our server processes (node --cpu-prof into bench/profiles/). */
  profile: boolean;
  log: (line: string) => void;
  /** The 1,000,000-point database, made once per suite run (see seed.ts). */
  bigDb: () => Promise<import('./seed.js').Seeded>;
}

export const USER = 'bench';
export const KEY = 'bench-key-0123456789abcdef';

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * A ratio judged on rounds: the median of our rounds over the median of the baseline's, and the
 * smallest and largest ratio of one round's pair beside it (the noise of this run).
 */
export function judged(ours: number[], base: number[]): { ours: number; base: number; ratio: number; spread: [number, number] } {
  const per = ours.map((o, i) => o / base[Math.min(i, base.length - 1)]!);
  const o = median(ours);
  const b = median(base);
  return { ours: o, base: b, ratio: o / b, spread: [Math.min(...per), Math.max(...per)] };
}

/** The p-th percentile (0..100) by nearest rank. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

export const fmtInt = (x: number) => Math.round(x).toLocaleString('en');
export const fmtRate = (x: number, unit = 'req/s') => `${fmtInt(x)} ${unit}`;
export const fmtMs = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} ms`;
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
