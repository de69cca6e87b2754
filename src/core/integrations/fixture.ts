import { readFileSync } from 'node:fs';
import { AIR_QUALITY_TYPES, WEATHER_TYPES, type Forecast, type IntegrationProvider } from './provider.js';

/** The shape of AIO_INTEGRATIONS_FIXTURE: any type given replaces the built-in sample of that type. */
export interface FixtureFile {
  weather?: Forecast;
  air_quality?: Forecast;
}

function sampleWeather(): Forecast {
  const out: Forecast = {};
  for (const type of WEATHER_TYPES) {
    out[type] = type.startsWith('forecast_days')
      ? {
          summary: 'Partly cloudy',
          icon: 'partly-cloudy-day',
          temperatureHigh: 68,
          temperatureLow: 52,
          humidity: 0.6,
          windSpeed: 7,
          precipProbability: 0.1,
        }
      : {
          summary: 'Clear',
          icon: 'clear-day',
          temperature: 61.5,
          apparentTemperature: 61.5,
          humidity: 0.55,
          windSpeed: 5.2,
          windBearing: 270,
          precipProbability: 0,
          cloudCover: 0.1,
          pressure: 1016,
        };
  }
  return out;
}

function sampleAirQuality(): Forecast {
  const out: Forecast = {};
  for (const type of AIR_QUALITY_TYPES) {
    out[type] = {
      aqi: 42,
      category: 'Good',
      pm2_5: 8.1,
      pm10: 14.3,
      ozone: 61,
      nitrogen_dioxide: 9.7,
      carbon_monoxide: 180,
      sulphur_dioxide: 1.2,
    };
  }
  return out;
}

/**
 * Deterministic values for tests and offline rigs: the same answer for every location and every
 * call, from the fixture file when one is named, else built-in samples. A file that cannot be read
 * or parsed fails the start, not the first request.
 */
export class FixtureProvider implements IntegrationProvider {
  readonly name = 'fixture';
  private readonly weatherData: Forecast;
  private readonly airData: Forecast;

  constructor(path?: string) {
    let file: FixtureFile = {};
    if (path) {
      try {
        file = JSON.parse(readFileSync(path, 'utf8')) as FixtureFile;
      } catch (err) {
        throw new Error(`AIO_INTEGRATIONS_FIXTURE: cannot read "${path}" as JSON (${(err as Error).message})`);
      }
    }
    this.weatherData = { ...sampleWeather(), ...(file.weather ?? {}) };
    this.airData = { ...sampleAirQuality(), ...(file.air_quality ?? {}) };
  }

  async weather(): Promise<Forecast> {
    return this.weatherData;
  }

  async airQuality(): Promise<Forecast> {
    return this.airData;
  }
}
