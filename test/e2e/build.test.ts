// The production build (scripts/build.mjs, `npm run build`): the bundled server starts on a fresh
// database (the migrations found from the bundle), answers /health, the console's pages and vendor files
// and its OpenAPI document (read from src/console beside the package root), MQTT over TCP and over
// WebSocket (`ws`, loaded on first use from node_modules), stops cleanly on SIGTERM; the bundled account
// command opens the same file.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';
import { spawnServer } from './server-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Its own output folder, so that this test never races `npm start` (test/e2e/server.test.ts) over dist/.
const OUT = join(ROOT, `.build-test-${process.pid}`);

function connack(url: string, username: string, password: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 10_000 });
    client.once('connect', (packet) => {
      client.end(true);
      resolve(packet.returnCode ?? 0);
    });
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

describe('the bundled build', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'aio.sqlite');

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), OUT], { cwd: ROOT, stdio: 'pipe' });
  }, 60_000);
  afterAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    tmp.cleanup();
  });

  it('writes one file per entry point, without the tree of modules', () => {
    expect(existsSync(join(OUT, 'main.js'))).toBe(true);
    expect(existsSync(join(OUT, 'cli.js'))).toBe(true);
    expect(existsSync(join(OUT, 'http'))).toBe(false);
    expect(existsSync(join(OUT, 'core'))).toBe(false);
  });

  it('serves HTTP, the console and MQTT on a fresh database, stops on SIGTERM, and the account command reads it', async () => {
    // Not from the package root: the bundle finds its files from where it lies.
    const server = spawnServer(process.execPath, [join(OUT, 'main.js')], {
      cwd: tmp.dir,
      dbPath,
      username: 'bundle',
      key: 'bundle-secret-key',
    });
    const { child, exited } = server;
    try {
      const [, http, mqttUrl] = await server.started(30_000);
      const auth = { 'X-AIO-Key': 'bundle-secret-key' };

      expect((await fetch(`${http}/health`)).status).toBe(200);
      // The tables exist: the migrations were applied from the bundle.
      const write = await fetch(`${http}/api/v2/bundle/feeds/kept/data`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: '{"value": 7}',
      });
      expect(write.status).toBe(200);
      const last = await fetch(`${http}/api/v2/bundle/feeds/kept/data/last`, { headers: auth });
      expect(((await last.json()) as { value: string }).value).toBe('7');
      expect((await fetch(`${http}/api/v2/bundle/feeds/kept/data/last`, { headers: { 'X-AIO-Key': 'wrong' } })).status).toBe(401);

      const page = await fetch(`${http}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="importmap">');
      const vendor = await fetch(`${http}/vendor/preact.js`);
      expect(vendor.status).toBe(200);
      expect((await vendor.text()).length).toBeGreaterThan(1000);
      const docs = await fetch(`${http}/api/docs/v2.json`);
      expect(docs.status).toBe(200);
      expect(((await docs.json()) as { paths: object }).paths).toHaveProperty(['/api/v2/{username}/feeds']);
      expect((await fetch(`${http}/no-such-page.js`)).status).toBe(404);

      expect(await connack(mqttUrl!, 'bundle', 'bundle-secret-key')).toBe(0);
      expect(await connack(`${http!.replace('http:', 'ws:')}/mqtt`, 'bundle', 'bundle-secret-key')).toBe(0);
      await expect(connack(mqttUrl!, 'bundle', 'wrong-key')).rejects.toThrow(/Not authorized|Bad username or password/i);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(server.output()).toContain('stopped cleanly');

    const listed = execFileSync(process.execPath, [join(OUT, 'cli.js'), 'user', 'list'], {
      env: { ...process.env, AIO_DB: dbPath },
    }).toString();
    expect(listed).toMatch(/^bundle\t/);
  }, 60_000);
});
