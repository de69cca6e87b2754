/** One forecast kind as a provider answers it: the MQTT topic type (`current`, `forecast_days_2`...) → its fields. */
export type Forecast = Record<string, Record<string, unknown>>;

export interface Coordinates {
  lat: number;
  lon: number;
}

/**
 * Where weather and air quality come from. Both kinds answer every topic type the clients subscribe
 * to (see WEATHER_TYPES / AIR_QUALITY_TYPES), in the field names the clients print: Dark Sky's for
 * weather (`summary`, `temperature`, `temperatureHigh`...), pollutant names for air quality.
 */
export interface IntegrationProvider {
  readonly name: string;
  weather(at: Coordinates): Promise<Forecast>;
  airQuality(at: Coordinates): Promise<Forecast>;
}

export const WEATHER_TYPES = [
  'current',
  'forecast_minutes_5',
  'forecast_minutes_30',
  'forecast_hours_1',
  'forecast_hours_2',
  'forecast_hours_6',
  'forecast_hours_24',
  'forecast_days_1',
  'forecast_days_2',
  'forecast_days_5',
] as const;

export const AIR_QUALITY_TYPES = ['current', 'forecast_today', 'forecast_tomorrow'] as const;
