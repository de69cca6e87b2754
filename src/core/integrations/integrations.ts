import type { IntegrationRow, IntegrationService } from '../../db/integrations.js';
import type { Ctx } from '../context.js';
import { AioError, invalid, notFound } from '../errors.js';
import type { Fields } from '../feeds.js';
import type { UserRow } from '../types.js';
import { isoSeconds } from '../values.js';
import { FixtureProvider } from './fixture.js';
import { OpenMeteoProvider } from './open-meteo.js';
import type { Coordinates, Forecast, IntegrationProvider } from './provider.js';
import { parseRandomizer, randomValue, readRandomizer } from './randomizer.js';

export type { IntegrationRow, IntegrationService } from '../../db/integrations.js';

/** One integration some door wants to hear about: `tick()` emits `integration` events when its values change. */
export interface Wanted {
  user: UserRow;
  service: IntegrationService;
  id: number;
}

/** The values of a record: `{value}` for a randomizer, one entry per forecast type otherwise. */
export type IntegrationValues = Record<string, unknown>;

interface CacheEntry {
  fetchedAt: number;
  value?: Forecast;
  pending?: Promise<Forecast>;
}

const COORDS_RE = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/;

/** `"40.7, -74.0"` (the clients' form) as coordinates, or undefined. */
export function parseLocation(text: string): Coordinates | undefined {
  const m = COORDS_RE.exec(text);
  if (!m) return undefined;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) return undefined;
  return { lat, lon };
}

const LABEL: Record<IntegrationService, string> = { words: 'randomizer', weather: 'weather', air_quality: 'air quality' };

/**
 * Randomizers, weather and air quality (the hosted service's integrations), with no IO+ gate.
 * Records live in the database; values do not: a randomizer's follows from the clock, a forecast
 * comes from the provider through a cache keyed by provider kind and location, so any number of
 * records and subscribers at one place cost one upstream call per `refreshMs`. An upstream failure
 * keeps the last good forecast and tells the owner on `{user}/errors` (the `report` event).
 */
export class Integrations {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly sources = new Set<() => Iterable<Wanted>>();
  /** What was last announced for each wanted record (JSON), so a tick emits only changes. */
  private readonly last = new Map<string, string>();
  private ticking: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Ctx,
    readonly provider: IntegrationProvider = providerFor(ctx),
  ) {}

  create(user: UserRow, service: IntegrationService, input: Fields): IntegrationRow {
    const now = this.ctx.clock();
    const text = (name: string) =>
      typeof input[name] === 'string' ? (input[name] as string).trim() : input[name] == null ? '' : String(input[name]).trim();
    let location: string | null = null;
    let settings = '{}';
    if (service === 'words') {
      settings = JSON.stringify(parseRandomizer(input));
    } else {
      location = text('location');
      if (!location) throw invalid('Validation failed: location is required ("latitude, longitude")');
      if (!parseLocation(location)) throw invalid(`Validation failed: location must be "latitude, longitude", got "${location}"`);
    }
    const name = text('name') || location || `randomizer ${now}`;
    if (this.ctx.stores.integrations.byName(user.id, service, name)) throw invalid('Validation failed: Name has already been taken');
    const provider = text('provider') || (service === 'words' ? null : service === 'weather' ? 'apple' : 'open_meteo');
    return this.ctx.stores.integrations.insert({
      userId: user.id,
      service,
      name,
      location,
      provider,
      settings,
      createdAt: now,
      updatedAt: now,
    });
  }

  list(user: UserRow, service: IntegrationService): IntegrationRow[] {
    return this.ctx.stores.integrations.list(user.id, service);
  }

  find(user: UserRow, service: IntegrationService, ident: string): IntegrationRow | undefined {
    if (!/^\d{1,15}$/.test(ident)) return undefined;
    return this.ctx.stores.integrations.byId(user.id, service, Number(ident));
  }

  resolve(user: UserRow, service: IntegrationService, ident: string): IntegrationRow {
    const row = this.find(user, service, ident);
    if (!row) throw notFound(`${LABEL[service]} record ${ident} not found`);
    return row;
  }

  delete(row: IntegrationRow): void {
    this.ctx.stores.integrations.remove(row.userId, row.service, row.id);
  }

  /** The record as the clients read it; with `values`, its current value or forecasts merged in. */
  json(row: IntegrationRow, values?: IntegrationValues): Record<string, unknown> {
    const base: Record<string, unknown> = {
      id: row.id,
      name: row.name,
      created_at: isoSeconds(row.createdAt),
      updated_at: isoSeconds(row.updatedAt),
    };
    if (row.service === 'words') {
      const s = readRandomizer(row.settings);
      Object.assign(base, { generator: s.generator, interval: s.interval });
      if (s.generator === 'number') Object.assign(base, { min: s.min, max: s.max });
      if (s.generator === 'pick') base.values = s.values;
    } else {
      Object.assign(base, { location: row.location, provider: row.provider });
    }
    return values ? { ...base, ...values } : base;
  }

  /** The current values of a record (may call the provider, once per location per refresh interval). */
  async values(user: UserRow, row: IntegrationRow): Promise<IntegrationValues> {
    if (row.service === 'words') return { value: randomValue(row.id, readRandomizer(row.settings), this.ctx.clock()) };
    const at = parseLocation(row.location ?? '');
    if (!at) throw invalid(`${LABEL[row.service]} record ${row.id} has no usable location`);
    return this.forecast(user, row.service, at);
  }

  /** Registers a door's list of what it wants to hear about; returns its removal. */
  addSource(fn: () => Iterable<Wanted>): () => void {
    this.sources.add(fn);
    return () => this.sources.delete(fn);
  }

  /** A door sent these values to a new subscriber: a tick announces only what differs from them. */
  noteSent(w: Wanted, values: IntegrationValues): void {
    const key = wantedKey(w);
    if (!this.last.has(key)) this.last.set(key, JSON.stringify(values));
  }

  /**
   * Emits an `integration` event for every wanted record whose values changed since last announced.
   * Runs one at a time: a tick called while one is fetching waits for it instead of starting another.
   */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runTick(): Promise<void> {
    const wanted = new Map<string, Wanted>();
    for (const source of this.sources) for (const w of source()) wanted.set(wantedKey(w), w);
    for (const key of this.last.keys()) if (!wanted.has(key)) this.last.delete(key);
    for (const [key, w] of wanted) {
      const row = this.ctx.stores.integrations.byId(w.user.id, w.service, w.id);
      if (!row) continue;
      let values: IntegrationValues;
      try {
        values = await this.values(w.user, row);
      } catch {
        continue; // no forecast yet and the provider failing: already reported by forecast()
      }
      const text = JSON.stringify(values);
      const prev = this.last.get(key);
      this.last.set(key, text);
      if (prev !== undefined && prev !== text) this.ctx.events.emit('integration', { user: w.user, service: w.service, row, values });
    }
  }

  /** Ticks every `tickMs` on a timer that never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.tick().catch((err) => this.ctx.events.emit('error', { source: 'integrations tick', err }));
    }, this.ctx.config.integrations.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async forecast(user: UserRow, service: 'weather' | 'air_quality', at: Coordinates): Promise<Forecast> {
    // Rounded to about 100 m: records a few metres apart share one upstream call.
    const key = `${service}:${at.lat.toFixed(3)},${at.lon.toFixed(3)}`;
    const now = this.ctx.clock();
    const entry = this.cache.get(key);
    if (entry?.pending) return entry.pending;
    if (entry && now - entry.fetchedAt < this.ctx.config.integrations.refreshMs) {
      if (entry.value) return entry.value;
      throw unavailable(service);
    }
    const pending = (service === 'weather' ? this.provider.weather(at) : this.provider.airQuality(at)).then(
      (value) => {
        this.cache.set(key, { fetchedAt: now, value });
        return value;
      },
      (err: unknown) => {
        // The last good value stays; the next try waits for the next interval, so a failing upstream is not hammered.
        const last = entry?.value;
        this.cache.set(key, { fetchedAt: now, value: last });
        const reason = err instanceof Error ? err.message : String(err);
        this.ctx.events.emit('report', {
          user,
          message: `${LABEL[service]} provider ${this.provider.name} failed for ${at.lat},${at.lon}: ${reason}${last ? '; serving the last good value' : ''}`,
        });
        if (last) return last;
        throw unavailable(service);
      },
    );
    this.cache.set(key, { fetchedAt: entry?.fetchedAt ?? 0, value: entry?.value, pending });
    return pending;
  }
}

/** The provider the configuration names: the fixture (offline, the default) or Open-Meteo. */
function providerFor(ctx: Ctx): IntegrationProvider {
  const c = ctx.config.integrations;
  return c.weatherProvider === 'open-meteo'
    ? new OpenMeteoProvider(c.openMeteoUrl, c.openMeteoAirUrl, ctx.clock)
    : new FixtureProvider(c.fixturePath);
}

function unavailable(service: IntegrationService): AioError {
  return new AioError(503, `${LABEL[service]} provider unavailable and no earlier value to serve; try again later`, 60);
}

function wantedKey(w: Wanted): string {
  return `${w.user.id}:${w.service}:${w.id}`;
}
