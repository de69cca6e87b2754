import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from '../../src/server.js';
import { FakeClock, tempDir, testConfig } from '../helpers.js';

describe('the data rate limit over real sockets', () => {
  let server: Server;
  const clock = new FakeClock();
  const tmp = tempDir();
  const key = 'limit-key-123';

  beforeAll(async () => {
    server = await startServer(testConfig({ username: 'lim', key, rateLimit: 10 }, join(tmp.dir, 'aio.sqlite')), {
      clock: clock.now,
      log: () => {},
      mqttTimers: null,
    });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('the 11th HTTP write in a minute is a 429, announced on the throttle topic, and writing works after the refill', async () => {
    const sub = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, { username: 'lim', password: key, reconnectPeriod: 0 });
    const notice = new Promise<string>((resolve) =>
      sub.on('message', (topic, payload) => topic === 'lim/throttle' && resolve(payload.toString())),
    );
    await sub.subscribeAsync('lim/throttle');
    const post = (value: number) =>
      fetch(`${server.httpUrl}/api/v2/lim/feeds/temp/data`, {
        method: 'POST',
        headers: { 'X-AIO-Key': key, 'Content-Type': 'application/json' },
        body: JSON.stringify({ value }),
      });
    expect((await post(0)).status).toBe(200); // feed + point
    for (let i = 1; i < 9; i++) expect((await post(i)).status).toBe(200);
    const refused = await post(99);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toMatch(/lim data rate limit reached, 6 seconds/);
    expect(await notice).toBe('"lim data rate limit reached, 6 seconds until throttle released"');
    clock.advance(6000);
    expect((await post(100)).status).toBe(200);
    await sub.endAsync();
  });
});
