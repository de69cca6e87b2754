import { ConfigError, loadConfig } from './config.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`aio-local: invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const server = await startServer(config);
  const users = server.core.accounts.list().map((u) => u.username);
  console.log(`aio-local HTTP API on ${server.httpUrl}/api/v2 (accounts: ${users.join(', ')})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`aio-local: ${signal} received, finishing requests in flight`);
    try {
      await server.close();
      process.exit(0);
    } catch (err) {
      console.error('aio-local: error while stopping', err);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`aio-local: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
