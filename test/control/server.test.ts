import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { tempDir, testConfig } from '../helpers.js';
import { CONTROL_KEY, startControlled, type Controlled } from './helpers.js';

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function connectResult(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve('connected');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('configuration', () => {
  it('is off unless AIO_CONTROL_PORT is set, even with a key', () => {
    const c = loadConfig({ AIO_CONTROL_KEY: CONTROL_KEY });
    expect(c.controlPort).toBeUndefined();
  });

  it('reads port, host (loopback by default) and key', () => {
    const c = loadConfig({ AIO_CONTROL_PORT: '9999', AIO_CONTROL_KEY: CONTROL_KEY });
    expect(c).toMatchObject({ controlPort: 9999, controlHost: '127.0.0.1', controlKey: CONTROL_KEY });
    expect(loadConfig({ AIO_CONTROL_PORT: '9999', AIO_CONTROL_KEY: CONTROL_KEY, AIO_CONTROL_HOST: '0.0.0.0' }).controlHost).toBe('0.0.0.0');
  });

  it('refuses a missing or short key, naming the variable', () => {
    expect(() => loadConfig({ AIO_CONTROL_PORT: '9999' })).toThrow(/AIO_CONTROL_KEY.*16/);
    expect(() => loadConfig({ AIO_CONTROL_PORT: '9999', AIO_CONTROL_KEY: 'fifteen-chars-x' })).toThrow(ConfigError);
    expect(() => loadConfig({ AIO_CONTROL_PORT: 'x', AIO_CONTROL_KEY: CONTROL_KEY })).toThrow(/AIO_CONTROL_PORT/);
  });

  it('startServer refuses a short key too', async () => {
    const tmp = tempDir();
    try {
      await expect(
        startServer(testConfig({ controlPort: 0, controlKey: 'short' }, join(tmp.dir, 'aio.sqlite')), { log: () => {} }),
      ).rejects.toThrow(/AIO_CONTROL_KEY/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('off', () => {
  it('listens on nothing, installs nothing and /health says nothing of it', async () => {
    const port = await freePort();
    const tmp = tempDir();
    const lines: string[] = [];
    // The key is set but not the port: a rig that forgot the port must not get a half-on plane.
    const server = await startServer(testConfig({ controlKey: CONTROL_KEY }, join(tmp.dir, 'aio.sqlite')), { log: (l) => lines.push(l) });
    try {
      expect(server.controlUrl).toBeUndefined();
      expect(server.control).toBeUndefined();
      expect(await connectResult(port)).toBe('ECONNREFUSED');
      const res = await fetch(`${server.httpUrl}/health`);
      expect(await res.json()).toEqual({ status: 'ok' });
      const main = await fetch(`${server.httpUrl}/_aio/clock`, { headers: { authorization: `Bearer ${CONTROL_KEY}` } });
      expect(main.status).toBe(404);
      expect(lines.join('\n')).not.toMatch(/control plane/i);
    } finally {
      await server.close();
      tmp.cleanup();
    }
  });
});

describe('on', () => {
  let t: Controlled | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('listens on its own loopback port, warns at the start and /health says so', async () => {
    t = await startControlled();
    expect(t.server.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.server.controlUrl).not.toBe(t.server.httpUrl);
    expect(t.lines.some((l) => /WARNING: test control plane ON at http:\/\/127\.0\.0\.1:\d+\/_aio/.test(l))).toBe(true);
    const res = await fetch(`${t.server.httpUrl}/health`);
    expect(await res.json()).toEqual({ status: 'ok', control_plane: 'on' });
    // The main port never serves control calls.
    const main = await fetch(`${t.server.httpUrl}/_aio/clock`, { headers: { authorization: `Bearer ${CONTROL_KEY}` } });
    expect(main.status).toBe(404);
  });

  it('answers 401 {error} without the bearer key, with a wrong one, or with it sent another way', async () => {
    t = await startControlled();
    for (const key of [null, 'wrong-key-0123456789', `${CONTROL_KEY}x`, CONTROL_KEY.slice(0, -1)]) {
      const res = await t.ctl('GET', '/_aio/clock', undefined, key);
      expect(res.status).toBe(401);
      expect(res.json.error).toMatch(/Bearer/);
    }
    const basic = await fetch(`${t.server.controlUrl}/_aio/clock`, { headers: { authorization: `Basic ${CONTROL_KEY}` } });
    expect(basic.status).toBe(401);
    // Even an unknown path says 401 first: nothing about the plane is visible without the key.
    expect((await t.ctl('GET', '/_aio/nothing', undefined, null)).status).toBe(401);
    expect((await t.ctl('GET', '/_aio/clock')).status).toBe(200);
  });

  it('answers unknown paths and bad JSON with {error}', async () => {
    t = await startControlled();
    const missing = await t.ctl('GET', '/_aio/nothing');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatch(/GET \/_aio\/nothing/);
    const bad = await t.ctl('PUT', '/_aio/clock', '{not json');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/JSON/);
  });
});
