import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '0.0.0.0', mqttPort: 1883, retentionDays: 30, rateLimit: 30, username: undefined, key: undefined, extraUsers: [] });
    expect(c.dbPath.endsWith('/data/aio.sqlite')).toBe(true);
    expect(loadConfig({ AIO_DB: ':memory:' }).dbPath).toBe(':memory:');
  });

  it('reads every variable', () => {
    const c = loadConfig({ PORT: '9000', HOST: '127.0.0.1', MQTT_PORT: '1884', AIO_USERNAME: 'me', AIO_KEY: 'k', AIO_USERS: 'a:1, b:x:y', AIO_RETENTION_DAYS: '0', AIO_RATE_LIMIT: '0' });
    expect(c).toMatchObject({ port: 9000, host: '127.0.0.1', mqttPort: 1884, username: 'me', key: 'k', retentionDays: 0, rateLimit: 0 });
    expect(c.extraUsers).toEqual([{ username: 'a', key: '1' }, { username: 'b', key: 'x:y' }]);
  });

  it('caps HTTP connections overall and per address, well below the ~20,000 file descriptors', () => {
    expect(loadConfig({}).http).toMatchObject({ maxConnections: 10_000, maxConnectionsPerIp: 256, batchMaxItems: 500, bodyBytes: 64 * 1024 });
    expect(loadConfig({ AIO_HTTP_MAX_CONNECTIONS: '2000', AIO_HTTP_MAX_CONNECTIONS_PER_IP: '50' }).http).toMatchObject({ maxConnections: 2000, maxConnectionsPerIp: 50 });
    const { headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, keepAliveTimeoutMs } = loadConfig({}).http;
    expect({ headersTimeoutMs, requestTimeoutMs, idleTimeoutMs, keepAliveTimeoutMs }).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
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
      [{ AIO_HTTP_MAX_CONNECTIONS: '0' }, 'AIO_HTTP_MAX_CONNECTIONS'],
      [{ AIO_HTTP_MAX_CONNECTIONS_PER_IP: 'many' }, 'AIO_HTTP_MAX_CONNECTIONS_PER_IP'],
    ] as const) {
      expect(() => loadConfig(env), name).toThrow(ConfigError);
      expect(() => loadConfig(env), name).toThrow(name);
    }
  });
});
