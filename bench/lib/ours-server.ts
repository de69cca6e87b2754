/**
 * Our server in a child process, started exactly as `npm start` starts it (src/main.ts): the
 * configuration from the environment through loadConfig, then startServer. The runner sets AIO_DB
 * (a fresh temporary database), PORT=0 and MQTT_PORT=0, HOST=127.0.0.1, AIO_RATE_LIMIT=0 (the limiter
 * off) and AIO_MQTT_BANS=0 (thousands of connections a minute from one address are the point here).
 */
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { parent } from './procs.js';

try {
  const server = await startServer(loadConfig(process.env));
  const addr = server.http.server.address();
  parent.onStop(() => server.close());
  parent.send({ type: 'ready', http: typeof addr === 'object' && addr ? addr.port : 0, mqtt: server.mqttPort });
} catch (err) {
  parent.fail(err);
}
