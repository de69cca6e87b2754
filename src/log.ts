import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LogOptions {
  level: string;
  /** Where lines go instead of stdout (tests read them). */
  stream?: DestinationStream;
  /** One plain, coloured line per event; by default when stdout is a terminal. */
  pretty?: boolean;
}

/**
 * The one logger of the process: JSON lines (what Docker and log shippers want) unless stdout is a
 * terminal, where a person reads one plain line per event (pino-pretty, in a worker thread so the
 * formatting never costs the event loop). Client text only ever goes inside fields, which pino escapes.
 */
export function createLogger(opts: LogOptions): Logger {
  const base = { level: opts.level, base: { pid: process.pid } };
  if (opts.stream) return pino(base, opts.stream);
  if (opts.pretty ?? process.stdout.isTTY === true) {
    return pino({
      ...base,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: true,
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss',
          ignore: 'pid,hostname,http,mqtt,ws,mqtts,accounts,account,signal',
        },
      },
    });
  }
  return pino(base);
}

/**
 * What a person starting the server must see whatever LOG_LEVEL says (where it listens, a key made
 * for them): logged at info through a child that is never quieter than info.
 */
export function announcer(logger: Logger): (fields: Record<string, unknown>, message: string) => void {
  const loud = logger.child({}, { level: 'info' });
  return (fields, message) => loud.info(fields, message);
}
