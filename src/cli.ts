import { ConfigError, loadConfig } from './config.js';
import { Core } from './core/core.js';
import { AioError } from './core/errors.js';
import { closeDb, openDb } from './db/open.js';

const USAGE = `usage: npm run aio -- <command>
  user add NAME [--key KEY]   create an account (a random key is made and shown when none is given)
  user list                   list accounts
  user key NAME [--key KEY]   replace an account's key (a running server refuses the old one within 0.1 s
                              and closes the MQTT sessions that logged in with it within 0.5 s)
  user limit NAME N|default   the account's data rate in points per minute (0 = none), or back to AIO_RATE_LIMIT
The database is the one AIO_DB names (default ./data/aio.sqlite).`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new AioError(400, `${name} needs a value`);
  args.splice(i, 2);
  return v;
}

/** Runs one command against the database; returns the process exit code. */
export function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = console.log): number {
  const args = [...argv];
  const config = loadConfig(env);
  const db = openDb(config.dbPath);
  try {
    const core = new Core(db, config);
    const [topic, command, name] = args;
    if (topic !== 'user' || !command) {
      out(USAGE);
      return topic === undefined || topic === 'help' || topic === '--help' ? 0 : 2;
    }
    const key = option(args, '--key');
    switch (command) {
      case 'list':
        for (const u of core.accounts.list()) {
          const limit = u.rateLimit === null ? `${config.rateLimit}/min (default)` : `${u.rateLimit}/min`;
          out(`${u.username}\tlimit ${limit}\tcreated ${new Date(u.createdAt).toISOString()}`);
        }
        return 0;
      case 'add': {
        if (!name) throw new AioError(400, 'user add needs a NAME');
        const made = core.accounts.add(name, key);
        out(`created ${made.user.username}${key ? '' : ` with key ${made.key}`}`);
        return 0;
      }
      case 'key': {
        if (!name) throw new AioError(400, 'user key needs a NAME');
        const made = core.accounts.setKey(name, key);
        out(`new key for ${made.user.username}${key ? ' set' : `: ${made.key}`}`);
        return 0;
      }
      case 'limit': {
        const raw = args[3];
        if (!name || raw === undefined) throw new AioError(400, 'user limit needs a NAME and a number of points per minute (or "default")');
        if (raw !== 'default' && !/^\d+$/.test(raw)) throw new AioError(400, `"${raw}" is not a whole number of points per minute`);
        const user = core.accounts.setRateLimit(name, raw === 'default' ? null : Number(raw));
        out(`${user.username}: ${user.rateLimit === null ? `default limit (${config.rateLimit}/min)` : `${user.rateLimit} points per minute`}`);
        return 0;
      }
      default:
        out(USAGE);
        return 2;
    }
  } finally {
    closeDb(db);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = runCli(process.argv.slice(2));
  } catch (err) {
    const msg = err instanceof AioError || err instanceof ConfigError ? err.message : String(err);
    console.error(`aio: ${msg}`);
    process.exitCode = 1;
  }
}
