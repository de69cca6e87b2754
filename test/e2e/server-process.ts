// A server started as its own process (`npm start`, or a built bundle), the way users start it: its
// output gathered, and its start line awaited.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  /** The start line's match (HTTP API URL, then MQTT URL); rejects when the process exits first. */
  started(timeoutMs: number): Promise<RegExpExecArray>;
}

/** Spawns `command args` in `cwd` on ephemeral loopback ports with the account and database given. */
export function spawnServer(
  command: string,
  args: string[],
  opts: { cwd: string; dbPath: string; username: string; key: string; env?: Record<string, string> },
): ServerProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: {
      ...process.env,
      PORT: '0',
      MQTT_PORT: '0',
      HOST: '127.0.0.1',
      AIO_DB: opts.dbPath,
      AIO_USERNAME: opts.username,
      AIO_KEY: opts.key,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end();
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = (timeoutMs: number) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line in: ${out}`)), timeoutMs);
      const look = () => {
        const m = /HTTP API on (http:\/\/\S+)\/api\/v2, MQTT on (mqtt:\/\/\S+),/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout.on('data', look);
      look();
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`the server exited: ${out}`));
      });
    });
  return { child, output: () => out, exited, started };
}
