/** The bare MQTT baseline: Aedes with its defaults (in-memory persistence) on TCP, nothing else. */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import { parent } from '../lib/procs.js';

try {
  const aedes = await Aedes.createBroker();
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    aedes.handle(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  parent.onStop(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    server.close();
  });
  parent.send({ type: 'ready', mqtt: typeof addr === 'object' && addr ? addr.port : 0 });
} catch (err) {
  parent.fail(err);
}
