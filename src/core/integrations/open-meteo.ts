import type { Clock } from '../clock.js';
import type { Coordinates, Forecast, IntegrationProvider } from './provider.js';

/** WMO weather interpretation codes, as Open-Meteo documents them, in the words of a Dark Sky `summary`. */
const WMO: Record<number, [summary: string, icon: string]> = {
  0: ['Clear', 'clear-day'],
  1: ['Mostly clear', 'clear-day'],
  2: ['Partly cloudy', 'partly-cloudy-day'],
  3: ['Overcast', 'cloudy'],
  45: ['Foggy', 'fog'],
  48: ['Foggy', 'fog'],
  51: ['Light drizzle', 'rain'],
  53: ['Drizzle', 'rain'],
  55: ['Heavy drizzle', 'rain'],
  56: ['Freezing drizzle', 'sleet'],
  57: ['Freezing drizzle', 'sleet'],
  61: ['Light rain', 'rain'],
  63: ['Rain', 'rain'],
  65: ['Heavy rain', 'rain'],
  66: ['Freezing rain', 'sleet'],
  67: ['Freezing rain', 'sleet'],
  71: ['Light snow', 'snow'],
  73: ['Snow', 'snow'],
  75: ['Heavy snow', 'snow'],
  77: ['Snow grains', 'snow'],
  80: ['Light rain showers', 'rain'],
  81: ['Rain showers', 'rain'],
  82: ['Violent rain showers', 'rain'],
  85: ['Snow showers', 'snow'],
  86: ['Heavy snow showers', 'snow'],
  95: ['Thunderstorm', 'thunderstorm'],
  96: ['Thunderstorm with hail', 'thunderstorm'],
  99: ['Thunderstorm with hail', 'thunderstorm'],
};

const CURRENT =
  'temperature_2m,apparent_temperature,relative_humidity_2m,weather_code,wind_speed_10m,wind_direction_10m,precipitation_probability,cloud_cover,pressure_msl';
const HOURLY =
  'temperature_2m,apparent_temperature,relative_humidity_2m,weather_code,wind_speed_10m,wind_direction_10m,precipitation_probability,cloud_cover,pressure_msl';
const DAILY =
  'weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max,wind_speed_10m_max,relative_humidity_2m_mean';
const POLLUTANTS = ['us_aqi', 'pm2_5', 'pm10', 'ozone', 'nitrogen_dioxide', 'carbon_monoxide', 'sulphur_dioxide'] as const;

type Series = Record<string, Array<number | null> | undefined> & { time?: number[] };
interface MeteoAnswer {
  current?: Record<string, number | null>;
  hourly?: Series;
  daily?: Series;
}

const pct = (v: number | null | undefined) => (typeof v === 'number' ? Math.round(v) / 100 : null);

/** US EPA categories of the AQI. */
function aqiCategory(aqi: number | null): string | null {
  if (aqi === null) return null;
  if (aqi <= 50) return 'Good';
  if (aqi <= 100) return 'Moderate';
  if (aqi <= 150) return 'Unhealthy for Sensitive Groups';
  if (aqi <= 200) return 'Unhealthy';
  if (aqi <= 300) return 'Very Unhealthy';
  return 'Hazardous';
}

/** Index of the last entry at or before `sec` in an ascending series of unix times (0 before the first). */
function at(times: readonly number[], sec: number): number {
  let i = 0;
  while (i + 1 < times.length && times[i + 1]! <= sec) i++;
  return i;
}

/**
 * Open-Meteo (no key needed): the forecast API for weather, the air-quality API for air quality, in
 * Fahrenheit and mph like the hosted service's Dark Sky fields. Both base URLs come from config so a
 * test can point them at a local server. A non-2xx answer, a timeout or a body without the expected
 * series is an error; Integrations keeps the last good value and reports it.
 */
export class OpenMeteoProvider implements IntegrationProvider {
  readonly name = 'open-meteo';

  constructor(
    private readonly weatherUrl: string,
    private readonly airUrl: string,
    private readonly clock: Clock,
    private readonly timeoutMs = 10_000,
  ) {}

  async weather({ lat, lon }: Coordinates): Promise<Forecast> {
    const q = new URLSearchParams({
      latitude: String(lat),
      longitude: String(lon),
      current: CURRENT,
      hourly: HOURLY,
      daily: DAILY,
      temperature_unit: 'fahrenheit',
      wind_speed_unit: 'mph',
      timeformat: 'unixtime',
      timezone: 'GMT',
      forecast_days: '7',
    });
    const body = await this.get(`${this.weatherUrl}/v1/forecast?${q}`);
    const { current, hourly, daily } = body;
    if (!current || !hourly?.time || !daily?.time) throw new Error('answer without current, hourly and daily series');
    const now = Math.floor(this.clock() / 1000);
    const point = (get: (name: string) => number | null | undefined) => {
      const code = get('weather_code');
      const [summary, icon] = WMO[code ?? -1] ?? ['Unknown', 'cloudy'];
      return {
        summary,
        icon,
        temperature: get('temperature_2m') ?? null,
        apparentTemperature: get('apparent_temperature') ?? null,
        humidity: pct(get('relative_humidity_2m')),
        windSpeed: get('wind_speed_10m') ?? null,
        windBearing: get('wind_direction_10m') ?? null,
        precipProbability: pct(get('precipitation_probability')),
        cloudCover: pct(get('cloud_cover')),
        pressure: get('pressure_msl') ?? null,
      };
    };
    const hour = (ahead: number) => {
      const i = at(hourly.time!, now + ahead);
      return point((name) => hourly[name]?.[i]);
    };
    const day = (n: number) => {
      const i = Math.min(at(daily.time!, now) + n, daily.time!.length - 1);
      const get = (name: string) => daily[name]?.[i] ?? null;
      const [summary, icon] = WMO[get('weather_code') ?? -1] ?? ['Unknown', 'cloudy'];
      return {
        summary,
        icon,
        temperatureHigh: get('temperature_2m_max'),
        temperatureLow: get('temperature_2m_min'),
        humidity: pct(get('relative_humidity_2m_mean')),
        windSpeed: get('wind_speed_10m_max'),
        precipProbability: pct(get('precipitation_probability_max')),
      };
    };
    return {
      current: point((name) => current[name]),
      forecast_minutes_5: hour(5 * 60),
      forecast_minutes_30: hour(30 * 60),
      forecast_hours_1: hour(3600),
      forecast_hours_2: hour(2 * 3600),
      forecast_hours_6: hour(6 * 3600),
      forecast_hours_24: hour(24 * 3600),
      forecast_days_1: day(1),
      forecast_days_2: day(2),
      forecast_days_5: day(5),
    };
  }

  async airQuality({ lat, lon }: Coordinates): Promise<Forecast> {
    const list = POLLUTANTS.join(',');
    const q = new URLSearchParams({
      latitude: String(lat),
      longitude: String(lon),
      current: list,
      hourly: list,
      timeformat: 'unixtime',
      timezone: 'GMT',
      forecast_days: '2',
    });
    const { current, hourly } = await this.get(`${this.airUrl}/v1/air-quality?${q}`);
    if (!current || !hourly?.time) throw new Error('answer without current and hourly series');
    const shape = (get: (name: string) => number | null) => {
      const aqi = get('us_aqi');
      return {
        aqi,
        category: aqiCategory(aqi),
        pm2_5: get('pm2_5'),
        pm10: get('pm10'),
        ozone: get('ozone'),
        nitrogen_dioxide: get('nitrogen_dioxide'),
        carbon_monoxide: get('carbon_monoxide'),
        sulphur_dioxide: get('sulphur_dioxide'),
      };
    };
    // A day's forecast is its worst hour (UTC day), the figure an air-quality forecast announces.
    const dayStart = Math.floor(this.clock() / 86_400_000) * 86_400;
    const worst = (from: number) => (name: string) => {
      let max: number | null = null;
      hourly.time!.forEach((t, i) => {
        const v = hourly[name]?.[i];
        if (t >= from && t < from + 86_400 && typeof v === 'number' && (max === null || v > max)) max = v;
      });
      return max;
    };
    return {
      current: shape((name) => current[name] ?? null),
      forecast_today: shape(worst(dayStart)),
      forecast_tomorrow: shape(worst(dayStart + 86_400)),
    };
  }

  private async get(url: string): Promise<MeteoAnswer> {
    const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) throw new Error(`upstream answered ${res.status}`);
    return (await res.json()) as MeteoAnswer;
  }
}
