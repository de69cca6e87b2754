import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      mqttPort: 1883,
      retentionDays: 30,
      rateLimit: 30,
      username: undefined,
      key: undefined,
      extraUsers: [],
    });
    expect(c.accountLimits).toEqual({ feeds: 0, groups: 0, dashboards: 0 });
    expect(c.dbPath.endsWith('/data/aio.sqlite')).toBe(true);
    expect(loadConfig({ AIO_DB: ':memory:' }).dbPath).toBe(':memory:');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      MQTT_PORT: '1884',
      AIO_USERNAME: 'me',
      AIO_KEY: 'k',
      AIO_USERS: 'a:1, b:x:y',
      AIO_RETENTION_DAYS: '0',
      AIO_RATE_LIMIT: '0',
    });
    expect(c).toMatchObject({ port: 9000, host: '127.0.0.1', mqttPort: 1884, username: 'me', key: 'k', retentionDays: 0, rateLimit: 0 });
    expect(c.extraUsers).toEqual([
      { username: 'a', key: '1' },
      { username: 'b', key: 'x:y' },
    ]);
    expect(loadConfig({ AIO_MAX_FEEDS: '10', AIO_MAX_GROUPS: '5', AIO_MAX_DASHBOARDS: '5' }).accountLimits).toEqual({
      feeds: 10,
      groups: 5,
      dashboards: 5,
    });
  });

  it('keeps persistent MQTT sessions 24 h with 1000 queued messages unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ mqttQueueMax: 1000, mqttSessionExpiry: 86400 });
    expect(loadConfig({ AIO_MQTT_QUEUE_MAX: '50', AIO_MQTT_SESSION_EXPIRY: '600' })).toMatchObject({
      mqttQueueMax: 50,
      mqttSessionExpiry: 600,
    });
  });

  it('checkpoints the WAL from a worker every second unless AIO_DB_CHECKPOINT_MS says otherwise (0: SQLite itself)', () => {
    expect(loadConfig({}).dbCheckpointMs).toBe(1000);
    expect(loadConfig({ AIO_DB_CHECKPOINT_MS: '0' }).dbCheckpointMs).toBe(0);
    expect(loadConfig({ AIO_DB_CHECKPOINT_MS: '250' }).dbCheckpointMs).toBe(250);
    expect(() => loadConfig({ AIO_DB_CHECKPOINT_MS: 'often' })).toThrow(/AIO_DB_CHECKPOINT_MS/);
    expect(() => loadConfig({ AIO_DB_CHECKPOINT_MS: '-1' })).toThrow(/AIO_DB_CHECKPOINT_MS/);
  });

  it('caps HTTP connections overall and per address, well below the ~20,000 file descriptors', () => {
    expect(loadConfig({}).http).toMatchObject({
      maxConnections: 4_000,
      maxConnectionsPerIp: 256,
      batchMaxItems: 500,
      bodyBytes: 64 * 1024,
    });
    expect(loadConfig({ AIO_HTTP_MAX_CONNECTIONS: '2000', AIO_HTTP_MAX_CONNECTIONS_PER_IP: '50' }).http).toMatchObject({
      maxConnections: 2000,
      maxConnectionsPerIp: 50,
    });
    const { headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, keepAliveTimeoutMs } = loadConfig({}).http;
    expect({ headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, keepAliveTimeoutMs }).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it('stops on invalid values with a message naming the variable', () => {
    for (const [env, name] of [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ MQTT_PORT: '-1' }, 'MQTT_PORT'],
      [{ AIO_RETENTION_DAYS: '1.5' }, 'AIO_RETENTION_DAYS'],
      [{ AIO_USERS: 'nokey' }, 'AIO_USERS'],
      [{ AIO_USERNAME: 'bad name' }, 'AIO_USERNAME'],
      [{ AIO_KEY: 'k' }, 'AIO_KEY'],
      [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      [{ AIO_MAX_FEEDS: 'ten' }, 'AIO_MAX_FEEDS'],
      [{ AIO_MAX_GROUPS: '-5' }, 'AIO_MAX_GROUPS'],
      [{ AIO_MAX_DASHBOARDS: '2.5' }, 'AIO_MAX_DASHBOARDS'],
      [{ AIO_MQTT_QUEUE_MAX: '0' }, 'AIO_MQTT_QUEUE_MAX'],
      [{ AIO_MQTT_QUEUE_MAX: 'lots' }, 'AIO_MQTT_QUEUE_MAX'],
      [{ AIO_MQTT_SESSION_EXPIRY: '0' }, 'AIO_MQTT_SESSION_EXPIRY'],
      [{ AIO_MQTT_SESSION_EXPIRY: '1h' }, 'AIO_MQTT_SESSION_EXPIRY'],
      [{ AIO_HTTP_MAX_CONNECTIONS: '0' }, 'AIO_HTTP_MAX_CONNECTIONS'],
      [{ AIO_HTTP_MAX_CONNECTIONS_PER_IP: 'many' }, 'AIO_HTTP_MAX_CONNECTIONS_PER_IP'],
    ] as const) {
      expect(() => loadConfig(env), name).toThrow(ConfigError);
      expect(() => loadConfig(env), name).toThrow(name);
    }
  });

  it('actions: 5 s cooldown, chains of 5, webhooks 5 s × 3 attempts, no SMTP unless AIO_SMTP_URL is set', () => {
    expect(loadConfig({}).actions).toEqual({
      cooldownMs: 5_000,
      maxChainDepth: 5,
      webhookTimeoutMs: 5_000,
      webhookRetries: 2,
      webhookRetryDelayMs: 1_000,
      smtpUrl: undefined,
      smtpFrom: 'aio-local@localhost',
      tickMs: 1_000,
    });
    const env = {
      AIO_ACTION_COOLDOWN_MS: '0',
      AIO_ACTION_MAX_CHAIN: '2',
      AIO_ACTION_WEBHOOK_TIMEOUT_MS: '250',
      AIO_ACTION_WEBHOOK_RETRIES: '0',
      AIO_ACTION_WEBHOOK_RETRY_MS: '10',
      AIO_SMTP_URL: 'smtps://me:secret@mail.example.test:465',
      AIO_SMTP_FROM: 'io@example.test',
    };
    expect(loadConfig(env).actions).toMatchObject({
      cooldownMs: 0,
      maxChainDepth: 2,
      webhookTimeoutMs: 250,
      webhookRetries: 0,
      webhookRetryDelayMs: 10,
      smtpUrl: 'smtps://me:secret@mail.example.test:465',
      smtpFrom: 'io@example.test',
    });
    for (const [bad, name] of [
      [{ AIO_ACTION_COOLDOWN_MS: '5s' }, 'AIO_ACTION_COOLDOWN_MS'],
      [{ AIO_ACTION_MAX_CHAIN: '0' }, 'AIO_ACTION_MAX_CHAIN'],
      [{ AIO_ACTION_WEBHOOK_TIMEOUT_MS: '0' }, 'AIO_ACTION_WEBHOOK_TIMEOUT_MS'],
      [{ AIO_ACTION_WEBHOOK_RETRIES: '11' }, 'AIO_ACTION_WEBHOOK_RETRIES'],
      [{ AIO_ACTION_WEBHOOK_RETRY_MS: '-1' }, 'AIO_ACTION_WEBHOOK_RETRY_MS'],
      [{ AIO_SMTP_URL: 'mail.example.test' }, 'AIO_SMTP_URL'],
      [{ AIO_SMTP_URL: 'http://mail.example.test' }, 'AIO_SMTP_URL'],
      [{ AIO_SMTP_FROM: 'nobody' }, 'AIO_SMTP_FROM'],
    ] as const) {
      expect(() => loadConfig(bad), name).toThrow(ConfigError);
      expect(() => loadConfig(bad), name).toThrow(name);
    }
    // A password in a malformed URL is not repeated in the message.
    expect(() => loadConfig({ AIO_SMTP_URL: 'smtp://me:secret@bad host' })).toThrow(/^(?!.*secret)/);
  });

  it('reads the MQTT protection limits', () => {
    expect(loadConfig({}).bans).toMatchObject({ failedLogins: 10, failedLoginsPerAddress: 100 });
    expect(loadConfig({ AIO_MQTT_MAX_FAILED_LOGINS_PER_ADDRESS: '500' }).bans.failedLoginsPerAddress).toBe(500);
    expect(() => loadConfig({ AIO_MQTT_MAX_FAILED_LOGINS_PER_ADDRESS: '0' })).toThrow('AIO_MQTT_MAX_FAILED_LOGINS_PER_ADDRESS');
    expect(loadConfig({})).toMatchObject({ mqttMaxConnections: 14_000, mqttMaxPendingPerAddress: 100, mqttConnectTimeoutMs: 10_000 });
    expect(loadConfig({ AIO_MQTT_MAX_CONNECTIONS: '50000', AIO_MQTT_MAX_PENDING_PER_ADDRESS: '0' })).toMatchObject({
      mqttMaxConnections: 50_000,
      mqttMaxPendingPerAddress: 0,
    });
    expect(() => loadConfig({ AIO_MQTT_MAX_CONNECTIONS: '0' })).toThrow('AIO_MQTT_MAX_CONNECTIONS');
    expect(() => loadConfig({ AIO_MQTT_MAX_PENDING_PER_ADDRESS: 'lots' })).toThrow('AIO_MQTT_MAX_PENDING_PER_ADDRESS');
  });

  it('integrations: the offline fixture by default; Open-Meteo URLs and the fixture file checked at start', () => {
    expect(loadConfig({}).integrations).toMatchObject({
      weatherProvider: 'fixture',
      fixturePath: undefined,
      openMeteoUrl: 'https://api.open-meteo.com',
      openMeteoAirUrl: 'https://air-quality-api.open-meteo.com',
      refreshMs: 20 * 60_000,
    });
    expect(loadConfig({ AIO_WEATHER_PROVIDER: 'open-meteo', AIO_OPEN_METEO_URL: 'http://127.0.0.1:9/' }).integrations).toMatchObject({
      weatherProvider: 'open-meteo',
      openMeteoUrl: 'http://127.0.0.1:9',
    });
    for (const [name, value] of [
      ['AIO_WEATHER_PROVIDER', 'darksky'],
      ['AIO_OPEN_METEO_URL', 'ftp://x'],
      ['AIO_OPEN_METEO_AIR_URL', 'not a url'],
      ['AIO_INTEGRATIONS_FIXTURE', '/nonexistent/fixture.json'],
      ['AIO_INTEGRATIONS_REFRESH_MS', '10'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), name).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value }), name).toThrow(name);
    }
  });
  it('reads AIO_METRICS_TOKEN: unset means no metrics; a short or spaced token is refused, naming the variable', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ AIO_METRICS_TOKEN: '  ' }).metricsToken).toBeUndefined();
    expect(loadConfig({ AIO_METRICS_TOKEN: 'scrape-token-0123456789' }).metricsToken).toBe('scrape-token-0123456789');
    for (const bad of ['short', 'has a space 0123456789'])
      expect(() => loadConfig({ AIO_METRICS_TOKEN: bad })).toThrow(
        new ConfigError('AIO_METRICS_TOKEN must be 16 to 256 visible ASCII characters (no spaces)'),
      );
  });
});
