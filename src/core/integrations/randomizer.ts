import { createHash } from 'node:crypto';
import { generate } from 'random-words';
import { invalid } from '../errors.js';
import type { Fields } from '../feeds.js';

/** What a randomizer makes, as the hosted service offers them: words, numbers in a range, colors, a pick from a list. */
export type Generator = 'words' | 'number' | 'color' | 'pick';
export const GENERATORS: readonly Generator[] = ['words', 'number', 'color', 'pick'];

export interface RandomizerSettings {
  generator: Generator;
  /** Inclusive range of `number`. */
  min: number;
  max: number;
  /** The list `pick` chooses from. */
  values: string[];
  /** A new value every this many seconds. */
  interval: number;
}

const DEFAULTS: RandomizerSettings = { generator: 'words', min: 0, max: 100, values: [], interval: 60 };

function num(input: Fields, name: string, fallback: number): number {
  const raw = input[name];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw invalid(`Validation failed: ${name} must be a whole number`);
  return n;
}

/** Settings from a create request; anything missing takes the default, anything wrong is a 422. */
export function parseRandomizer(input: Fields): RandomizerSettings {
  const g = input.generator ?? input.type;
  const generator = g === undefined || g === null || g === '' ? DEFAULTS.generator : String(g).trim().toLowerCase();
  if (!(GENERATORS as readonly string[]).includes(generator))
    throw invalid(`Validation failed: generator must be one of ${GENERATORS.join(', ')}`);
  const min = num(input, 'min', DEFAULTS.min);
  const max = num(input, 'max', DEFAULTS.max);
  if (min > max) throw invalid('Validation failed: min must not be greater than max');
  const interval = num(input, 'interval', DEFAULTS.interval);
  if (interval < 1 || interval > 86_400) throw invalid('Validation failed: interval must be between 1 and 86400 seconds');
  const raw = input.values;
  const values = (Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(',') : [])
    .map((v) => v.trim())
    .filter(Boolean);
  if (generator === 'pick' && values.length === 0) throw invalid('Validation failed: values must list at least one value to pick from');
  return { generator: generator as Generator, min, max, values, interval };
}

/** Settings as stored (JSON text); a damaged row reads as the defaults rather than failing every read. */
export function readRandomizer(text: string): RandomizerSettings {
  try {
    return { ...DEFAULTS, ...(JSON.parse(text) as Partial<RandomizerSettings>) };
  } catch {
    return DEFAULTS;
  }
}

/**
 * The value of randomizer `id` at `now`. It is a pure function of the id and the interval the clock
 * is in, so every reader (HTTP, each MQTT subscriber, a restarted server) sees the same value for
 * the whole interval with nothing stored, and a fake clock steps it in tests.
 */
export function randomValue(id: number, s: RandomizerSettings, now: number): string {
  const period = Math.floor(now / (s.interval * 1000));
  const n = createHash('sha256').update(`${id}:${period}`).digest().readUInt32BE(0);
  switch (s.generator) {
    case 'words':
      // Seeded: the package's own choice from its list of common English words, the same for the same interval.
      return (generate({ exactly: 1, seed: `${id}:${period}` }) as string[])[0] ?? '';
    case 'number':
      return String(s.min + (n % (s.max - s.min + 1)));
    case 'color':
      return `#${(n & 0xffffff).toString(16).padStart(6, '0')}`;
    case 'pick':
      return s.values[n % s.values.length] ?? '';
  }
}

/** When the value of a randomizer next changes. */
export function nextChange(s: RandomizerSettings, now: number): number {
  const ms = s.interval * 1000;
  return (Math.floor(now / ms) + 1) * ms;
}
