// The bare start baseline (plain JavaScript, run by node itself like dist/main.js): open the SQLite
// file with the server's pragmas and read from it, then an HTTP listener answering /health and a bare
// Aedes listener. Environment: BENCH_DB, BENCH_HTTP_PORT, BENCH_MQTT_PORT.
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { Aedes } from 'aedes';
import Database from 'better-sqlite3';

const db = new Database(process.env.BENCH_DB);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.prepare('SELECT count(*) AS n FROM users').get();
const aedes = await Aedes.createBroker();
const mqtt = createServer((socket) => aedes.handle(socket));
mqtt.listen(Number(process.env.BENCH_MQTT_PORT), '127.0.0.1');
const http = createHttpServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
http.listen(Number(process.env.BENCH_HTTP_PORT), '127.0.0.1');
const stop = () => {
  http.close();
  mqtt.close();
  aedes.close(() => {
    db.close();
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
