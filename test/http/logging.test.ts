import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/redact.js';
import { buildApp } from '../../src/http/app.js';
import { makeCore, type TestCore } from '../helpers.js';

// Log lines are captured from the app's own logger at the level a user would set.

let core: TestCore | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  core?.close();
  app = undefined;
  core = undefined;
});

async function logged(level: string) {
  core = makeCore();
  const lines: string[] = [];
  app = await buildApp(core.core, { logLevel: level, logStream: { write: (line) => void lines.push(line) } });
  // A route that fails the way a bug would, with client text in its message.
  app.get('/boom', async (req) => {
    throw new Error(`kaput: ${String((req.query as { x?: string }).x)}`);
  });
  await app.ready();
  return { app, core, lines, key: core.alice.key };
}

/** Every spelling of the key's parameter name that the query parser turns into one that authenticates. */
const AUTHENTICATING_NAMES = [
  'x-aio-key',
  'X-AIO-Key',
  'X-AIO-KEY',
  'x-AiO-kEy',
  'x%2Daio%2Dkey',
  'x%2daio%2dkey',
  'X%2DAIO%2DKEY',
  '%78-aio-key',
  '%78%2D%61%69%6F%2D%6B%65%79',
  'x-aio-k%65y',
  '%58%2D%41%49%4F%2D%4B%45%59',
];
/** Names that do not authenticate but are redacted anyway. */
const LOOKALIKE_NAMES = ['x-aio-key+', 'x+aio+key', 'x_aio_key', 'x-aio-k%ey', 'aio-key', 'api_key', 'token', 'X-AIO-Key%20'];

describe('keys never reach the log', () => {
  it('however the query parameter is spelled or encoded, at debug level', async () => {
    const { app, lines, key } = await logged('debug');
    const encodedKey = key.replace(/-/g, '%2D');
    for (const name of AUTHENTICATING_NAMES) {
      for (const value of [key, encodedKey]) {
        const res = await app.inject({ method: 'GET', url: `/api/v2/alice/feeds?limit=5&${name}=${value}&x=1` });
        expect(res.statusCode, `${name}=${value}`).toBe(200);
      }
    }
    for (const name of LOOKALIKE_NAMES) await app.inject({ method: 'GET', url: `/api/v2/alice/feeds?${name}=${key}` });
    const requests = lines.map((l) => JSON.parse(l) as { msg: string; url?: string }).filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(AUTHENTICATING_NAMES.length * 2 + LOOKALIKE_NAMES.length);
    const all = lines.join('');
    expect(all).not.toContain(key);
    expect(all).not.toContain(encodedKey);
    expect(all).not.toContain('0123456789');
    // The rest of the URL is kept for debugging.
    expect(requests[0]!.url).toBe('/api/v2/alice/feeds?limit=5&x-aio-key=[redacted]&x=1');
  });

  it('nor headers that authenticate, nor the key on a 5xx at info level, nor a webhook token however its path is escaped', async () => {
    const { app, lines, key } = await logged('info');
    expect(
      (await app.inject({ method: 'GET', url: '/boom', headers: { 'x-aio-key': key, authorization: `Bearer ${key}` } })).statusCode,
    ).toBe(500);
    expect((await app.inject({ method: 'GET', url: `/boom?X%2DAIO%2DKey=${key}` })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: `/boom?x+aio+key=${key}` })).statusCode).toBe(500);
    const failures = lines.map((l) => JSON.parse(l) as { msg: string; level: number; url: string });
    expect(failures.map((f) => [f.msg, f.level])).toEqual([
      ['request failed', 50],
      ['request failed', 50],
      ['request failed', 50],
    ]);
    expect(lines.join('')).not.toContain(key);
    expect(failures[1]!.url).toBe('/boom?X%2DAIO%2DKey=[redacted]');

    for (const path of [
      '/api/v2/webhooks/feed/SECRET-TOKEN/raw',
      '/api/v2/%77ebhooks/feed/SECRET-TOKEN',
      '/api/v2/webhooks/%66eed/SECRET-TOKEN/notify',
      '//api/v2//webhooks//feed//SECRET-TOKEN',
    ]) {
      expect(redactUrl(path), path).not.toContain('SECRET-TOKEN');
    }
    // The escaped path does reach the receiver route: it is the same credential.
    expect((await app.inject({ method: 'POST', url: '/api/v2/%77ebhooks/feed/SECRET-TOKEN/notify' })).json().error).toMatch(
      /no webhook receiver/,
    );
  });

  it('nor the raw bytes node keeps of a malformed request (trace level)', async () => {
    const { app, lines, key } = await logged('trace');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as { port: number }).port;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`GET /api/v2/user HTTP/1.1\r\nHost: x\r\nX-AIO-Key: ${key}\r\nbroken header\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1.1 400/);
    const clientError = lines
      .map((l) => JSON.parse(l) as { msg: string; err?: Record<string, unknown> })
      .find((l) => l.msg === 'client error');
    expect(clientError?.err).toMatchObject({ message: expect.any(String) });
    expect(Object.keys(clientError!.err!)).not.toContain('rawPacket');
    expect(lines.join('')).not.toContain(key);
  });
});

describe('client text cannot forge a log line', () => {
  it('a newline and JSON in a URL or an error message stay inside one escaped field', async () => {
    const { app, lines } = await logged('debug');
    const forged = encodeURIComponent('\n{"level":60,"msg":"forged"}\n');
    await app.inject({ method: 'GET', url: `/boom?x=${forged}` });
    await app.inject({
      method: 'GET',
      url: `/api/v2/alice/feeds/x${forged}?q=${forged}`,
      headers: { 'user-agent': 'a\tb', 'x-note': '{"level":60}' },
    });
    const records = lines.map((l) => {
      expect(l.endsWith('\n')).toBe(true);
      expect(l.slice(0, -1)).not.toContain('\n');
      return JSON.parse(l) as { msg: string; err?: { message: string } };
    });
    expect(records.map((r) => r.msg)).toEqual(['request failed', 'request', 'request']);
    expect(records[0]!.err!.message).toBe('kaput: \n{"level":60,"msg":"forged"}\n');
  });
});
