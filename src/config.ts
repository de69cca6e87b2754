import { accessSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import type { BanLimits } from './core/bans.js';

/** Every setting the server reads from its environment, validated once at start. */
export interface Config {
  port: number;
  host: string;
  mqttPort: number;
  /** MQTT over TLS; only listened on when tlsCert and tlsKey are set. */
  mqttsPort: number;
  /** Paths of PEM files (certificate chain and private key), both or neither. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Largest MQTT packet the broker accepts; a bigger one closes the connection. */
  mqttMaxPacketBytes: number;
  /** MQTT connections (TCP, TLS and WebSocket together) held at once; more are closed on arrival. */
  mqttMaxConnections: number;
  /** Connections from one address that have not sent CONNECT yet; more are closed on arrival (0: no cap). */
  mqttMaxPendingPerAddress: number;
  /** How long a connection may take to send CONNECT before it is closed, in milliseconds. */
  mqttConnectTimeoutMs: number;
  /** How often a key replaced by another process (the account command) is looked for while MQTT sessions hold keys. */
  keyCheckIntervalMs: number;
  /** QoS 1 messages kept per persistent MQTT session (clean session 0); past it the oldest go. */
  mqttQueueMax: number;
  /** Seconds a persistent MQTT session is kept after its client was last seen. */
  mqttSessionExpiry: number;
  dbPath: string;
  /** How long a data write waits for a database another process holds locked before a 503. */
  dbBusyWaitMs: number;
  /** How often a worker thread checkpoints the WAL (ms); 0: SQLite's own checkpoints, inside commits. */
  dbCheckpointMs: number;
  username: string | undefined;
  key: string | undefined;
  extraUsers: Array<{ username: string; key: string }>;
  retentionDays: number;
  rateLimit: number;
  /** MQTT protection: thresholds per user per minute that start a temporary ban. */
  bans: BanLimits;
  logLevel: string;
  /** Sizes are in bytes of UTF-8 text, as the hosted service counts them. */
  maxValueBytes: number;
  maxValueBytesNoHistory: number;
  /** How often the retention sweep runs, in milliseconds. */
  sweepIntervalMs: number;
  /** Activities kept per user, newest first (the hosted service keeps the last 1000). */
  activityLimit: number;
  /** How many feeds, groups and dashboards an account may have (0 = unlimited); see core/account-limits.ts. */
  accountLimits: AccountLimits;
  /** What one HTTP request or client may take: body sizes, batch length, time, sockets. */
  http: HttpLimits;
  /** The actions engine (core/actions): cooldown, chains, webhook and email outputs. */
  actions: ActionSettings;
  /** Randomizers, weather and air quality (core/integrations). */
  integrations: IntegrationSettings;
  /** The test control plane (src/control): listened on only when set; off by default. */
  controlPort: number | undefined;
  /** Where the control plane listens; loopback unless said otherwise, since it can wipe every account. */
  controlHost: string;
  /** Bearer key every control call must carry; at least 16 characters whenever controlPort is set. */
  controlKey: string | undefined;
  /** A web console session unused this long (minutes) is over. */
  consoleIdleMinutes: number;
  /** Test control plane: traffic journal entries kept in all (oldest dropped first). */
  controlJournalMax: number;
  /** Bearer token of `GET /metrics`; unset: no metrics at all (the route answers 404). */
  metricsToken: string | undefined;
}

export interface IntegrationSettings {
  /** `fixture`: deterministic values (offline); `open-meteo`: the Open-Meteo APIs over HTTP. */
  weatherProvider: 'fixture' | 'open-meteo';
  /** JSON file of fixture values; built-in sample values when unset. */
  fixturePath: string | undefined;
  /** Base URL of Open-Meteo's forecast API (air quality goes to its air-quality API, see open-meteo.ts). */
  openMeteoUrl: string;
  openMeteoAirUrl: string;
  /** A forecast is fetched again at most this often per location (the hosted service: 20 minutes). */
  refreshMs: number;
  /** How often randomizers and forecasts are checked for a new value. */
  tickMs: number;
}

export interface ActionSettings {
  /** An action fires at most once per this many milliseconds (the hosted service: 5 s). */
  cooldownMs: number;
  /** Actions writing to feeds that fire actions: a chain longer than this is cut (and reported). */
  maxChainDepth: number;
  /** One webhook POST may take this long before it is abandoned (and retried). */
  webhookTimeoutMs: number;
  /** Webhook attempts after the first one fails (a network error, a timeout, a 5xx or 429). */
  webhookRetries: number;
  /** Wait before the first retry; each further retry waits twice as long. */
  webhookRetryDelayMs: number;
  /** `smtp://` or `smtps://` URL of the server email outputs go through; unset: emails are only recorded as activities. */
  smtpUrl: string | undefined;
  /** Sender address of those emails. */
  smtpFrom: string;
  /** How often schedules and feed status timers are looked at. */
  tickMs: number;
}

/** Per-account record caps; the hosted free plan has 10 feeds, 5 groups and 5 dashboards. */
export interface AccountLimits {
  feeds: number;
  groups: number;
  dashboards: number;
}

export interface HttpLimits {
  /** Body limit of every route that carries no data value (data routes are sized from the value limits). */
  bodyBytes: number;
  /** Most records in one batch (`data/batch`) or one group data post. */
  batchMaxItems: number;
  /** Most parts in one multipart body (no form of this API has more than a dozen fields). */
  multipartMaxParts: number;
  /** A request's headers must all arrive within this, from its first byte. */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way is closed after this (one that never sends a byte, too). */
  idleTimeoutMs: number;
  /** An idle keep-alive socket between requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open HTTP sockets (WebSocket MQTT included) in all and per remote address; the newest excess one is closed at once. */
  maxConnections: number;
  maxConnectionsPerIp: number;
}

export class ConfigError extends Error {}

const USERNAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function username(name: string, value: string): string {
  if (!USERNAME_RE.test(value)) {
    throw new ConfigError(`${name}: "${value}" is not a valid username (letters, digits, _ and -, at most 64)`);
  }
  return value;
}

function key(name: string, value: string): string {
  if (value.length < 1 || value.length > 256 || /[\r\n]/.test(value)) {
    throw new ConfigError(`${name} must be 1 to 256 characters on one line`);
  }
  return value;
}

function smtpUrl(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `AIO_SMTP_URL must be a URL such as smtp://user:password@host:587, got "${value.replace(/\/\/[^@/]*@/, '//…@')}"`,
    );
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError(`AIO_SMTP_URL must start with smtp:// or smtps://, got "${url.protocol}"`);
  if (!url.hostname) throw new ConfigError('AIO_SMTP_URL must name a host');
  return value;
}

function emailAddress(name: string, raw: string | undefined, fallback: string): string {
  const value = raw?.trim();
  if (!value) return fallback;
  if (!EMAIL_RE.test(value)) throw new ConfigError(`${name} must be an email address, got "${value}"`);
  return value;
}

/** Good enough to refuse a typo; the SMTP server has the last word. */
export const EMAIL_RE = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

function baseUrl(name: string, raw: string | undefined, fallback: string): string {
  const value = raw?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name} must start with http:// or https://, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function weatherProvider(raw: string | undefined): 'fixture' | 'open-meteo' {
  const value = raw?.trim() || 'fixture';
  if (value !== 'fixture' && value !== 'open-meteo')
    throw new ConfigError(`AIO_WEATHER_PROVIDER must be fixture or open-meteo, got "${value}"`);
  return value;
}

function readableFile(name: string, raw: string | undefined, kind = 'PEM'): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  const path = resolve(value);
  try {
    accessSync(path, fsConstants.R_OK);
  } catch {
    throw new ConfigError(`${name}: cannot read "${value}" (it must name a readable ${kind} file)`);
  }
  return path;
}

/** The shortest control key accepted: the control plane can erase every account. */
export const CONTROL_KEY_MIN = 16;

/** The control plane's port, or undefined when AIO_CONTROL_PORT is unset (the plane is off). */
function controlPort(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.AIO_CONTROL_PORT;
  if (raw === undefined || raw.trim() === '') return undefined;
  return int(env, 'AIO_CONTROL_PORT', 0, 0, 65535);
}

/** Refuses a control plane without a long enough key; startServer checks configs built without loadConfig too. */
export function checkControlKey(port: number | undefined, controlKey: string | undefined): void {
  if (port === undefined) return;
  if (controlKey === undefined || controlKey.length < CONTROL_KEY_MIN || /[\r\n]/.test(controlKey)) {
    throw new ConfigError(`AIO_CONTROL_KEY must be set to at least ${CONTROL_KEY_MIN} characters on one line when AIO_CONTROL_PORT is set`);
  }
}

function metricsToken(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  // A bearer token travels in a header: visible ASCII only, and long enough not to be guessed.
  if (!/^[\x21-\x7e]{16,256}$/.test(value))
    throw new ConfigError('AIO_METRICS_TOKEN must be 16 to 256 visible ASCII characters (no spaces)');
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const rawUser = env.AIO_USERNAME?.trim() || undefined;
  const rawKey = env.AIO_KEY ?? undefined;
  const extraUsers = (env.AIO_USERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      if (at <= 0 || at === pair.length - 1) {
        throw new ConfigError(`AIO_USERS must be comma-separated username:key pairs, got "${pair.split(':')[0]}:..."`);
      }
      return { username: username('AIO_USERS', pair.slice(0, at)), key: key('AIO_USERS', pair.slice(at + 1)) };
    });
  const dbRaw = env.AIO_DB?.trim() || './data/aio.sqlite';
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }
  if (rawKey && !rawUser) throw new ConfigError('AIO_KEY is set but AIO_USERNAME is not: name the account the key belongs to');
  const host = env.HOST?.trim() || '0.0.0.0';
  const tlsCert = readableFile('AIO_TLS_CERT', env.AIO_TLS_CERT);
  const tlsKey = readableFile('AIO_TLS_KEY', env.AIO_TLS_KEY);
  if (tlsCert && !tlsKey) throw new ConfigError('AIO_TLS_CERT is set but AIO_TLS_KEY is not: MQTTS needs both PEM files');
  if (tlsKey && !tlsCert) throw new ConfigError('AIO_TLS_KEY is set but AIO_TLS_CERT is not: MQTTS needs both PEM files');
  const ctlPort = controlPort(env);
  const ctlKey = env.AIO_CONTROL_KEY === undefined || env.AIO_CONTROL_KEY === '' ? undefined : env.AIO_CONTROL_KEY;
  checkControlKey(ctlPort, ctlKey);
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host,
    mqttPort: int(env, 'MQTT_PORT', 1883, 0, 65535),
    mqttsPort: int(env, 'MQTTS_PORT', 8883, 0, 65535),
    tlsCert,
    tlsKey,
    mqttMaxPacketBytes: int(env, 'MQTT_MAX_PACKET_BYTES', 1024 * 1024, 1024, 268_435_455),
    // The process may hold about 20,000 files: MQTT (most of them), HTTP (4,000) and the database share them.
    mqttMaxConnections: int(env, 'AIO_MQTT_MAX_CONNECTIONS', 14_000, 1, 1_000_000),
    mqttMaxPendingPerAddress: int(env, 'AIO_MQTT_MAX_PENDING_PER_ADDRESS', 100, 0, 1_000_000),
    mqttConnectTimeoutMs: 10_000,
    keyCheckIntervalMs: 500,
    mqttQueueMax: int(env, 'AIO_MQTT_QUEUE_MAX', 1000, 1, 1_000_000),
    mqttSessionExpiry: int(env, 'AIO_MQTT_SESSION_EXPIRY', 24 * 60 * 60, 1, 10 * 365 * 24 * 60 * 60),
    controlJournalMax: int(env, 'AIO_CONTROL_JOURNAL_MAX', 10_000, 1, 10_000_000),
    dbPath: dbRaw === ':memory:' ? ':memory:' : resolve(dbRaw),
    dbBusyWaitMs: int(env, 'AIO_DB_BUSY_TIMEOUT_MS', 10_000, 0, 600_000),
    dbCheckpointMs: int(env, 'AIO_DB_CHECKPOINT_MS', 1000, 0, 3_600_000),
    username: rawUser === undefined ? undefined : username('AIO_USERNAME', rawUser),
    key: rawKey === undefined || rawKey === '' ? undefined : key('AIO_KEY', rawKey),
    extraUsers,
    retentionDays: int(env, 'AIO_RETENTION_DAYS', 30, 0, 36500),
    rateLimit: int(env, 'AIO_RATE_LIMIT', 30, 0, 1_000_000),
    bans: {
      enabled: int(env, 'AIO_MQTT_BANS', 1, 0, 1) === 1,
      connects: int(env, 'AIO_MQTT_MAX_CONNECTS', 20, 1, 1_000_000),
      subscribes: int(env, 'AIO_MQTT_MAX_SUBSCRIBES', 100, 1, 1_000_000),
      refused: int(env, 'AIO_MQTT_MAX_REFUSED', 10, 1, 1_000_000),
      throttled: int(env, 'AIO_MQTT_MAX_THROTTLED', 10, 1, 1_000_000),
      failedLogins: int(env, 'AIO_MQTT_MAX_FAILED_LOGINS', 10, 1, 1_000_000),
      failedLoginsPerAddress: int(env, 'AIO_MQTT_MAX_FAILED_LOGINS_PER_ADDRESS', 100, 1, 1_000_000),
    },
    logLevel,
    maxValueBytes: 1024,
    maxValueBytesNoHistory: 100 * 1024,
    sweepIntervalMs: 10 * 60 * 1000,
    activityLimit: 1000,
    accountLimits: {
      feeds: int(env, 'AIO_MAX_FEEDS', 0, 0, 1_000_000),
      groups: int(env, 'AIO_MAX_GROUPS', 0, 0, 1_000_000),
      dashboards: int(env, 'AIO_MAX_DASHBOARDS', 0, 0, 1_000_000),
    },
    http: {
      bodyBytes: 64 * 1024,
      batchMaxItems: 500,
      multipartMaxParts: 100,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
      // The process has about 20,000 file descriptors: HTTP keeps well below, leaving room for MQTT and the database.
      maxConnections: int(env, 'AIO_HTTP_MAX_CONNECTIONS', 4_000, 1, 1_000_000),
      maxConnectionsPerIp: int(env, 'AIO_HTTP_MAX_CONNECTIONS_PER_IP', 256, 1, 1_000_000),
    },
    actions: {
      cooldownMs: int(env, 'AIO_ACTION_COOLDOWN_MS', 5_000, 0, 86_400_000),
      maxChainDepth: int(env, 'AIO_ACTION_MAX_CHAIN', 5, 1, 100),
      webhookTimeoutMs: int(env, 'AIO_ACTION_WEBHOOK_TIMEOUT_MS', 5_000, 1, 600_000),
      webhookRetries: int(env, 'AIO_ACTION_WEBHOOK_RETRIES', 2, 0, 10),
      webhookRetryDelayMs: int(env, 'AIO_ACTION_WEBHOOK_RETRY_MS', 1_000, 0, 600_000),
      smtpUrl: smtpUrl(env.AIO_SMTP_URL),
      smtpFrom: emailAddress('AIO_SMTP_FROM', env.AIO_SMTP_FROM, 'aio-local@localhost'),
      tickMs: 1_000,
    },
    integrations: {
      weatherProvider: weatherProvider(env.AIO_WEATHER_PROVIDER),
      fixturePath: readableFile('AIO_INTEGRATIONS_FIXTURE', env.AIO_INTEGRATIONS_FIXTURE, 'JSON'),
      openMeteoUrl: baseUrl('AIO_OPEN_METEO_URL', env.AIO_OPEN_METEO_URL, 'https://api.open-meteo.com'),
      openMeteoAirUrl: baseUrl('AIO_OPEN_METEO_AIR_URL', env.AIO_OPEN_METEO_AIR_URL, 'https://air-quality-api.open-meteo.com'),
      refreshMs: int(env, 'AIO_INTEGRATIONS_REFRESH_MS', 20 * 60_000, 1_000, 86_400_000),
      tickMs: 1_000,
    },
    controlPort: ctlPort,
    controlHost: env.AIO_CONTROL_HOST?.trim() || '127.0.0.1',
    controlKey: ctlKey,
    consoleIdleMinutes: int(env, 'AIO_CONSOLE_IDLE_MINUTES', 60, 1, 525_600),
    metricsToken: metricsToken(env.AIO_METRICS_TOKEN),
  };
}
