import { type Config, ConfigError, loadConfig } from './config.js';
import { announcer, createLogger } from './log.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`aio-local: invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  const server = await startServer(config, { logger });
  const say = announcer(logger);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say({ signal }, `aio-local: ${signal} received, finishing requests in flight`);
    let code = 0;
    try {
      await server.close();
      say({}, 'aio-local: stopped cleanly');
    } catch (err) {
      logger.error({ err }, 'aio-local: error while stopping');
      code = 1;
    }
    // Let the log (a worker thread when pretty) write its last lines before the process goes.
    setTimeout(() => process.exit(code), 1000);
    logger.flush(() => process.exit(code));
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(`aio-local: failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
