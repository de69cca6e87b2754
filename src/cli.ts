import { ConfigError, loadConfig } from './config.js';
import { effectiveLimits, type LimitedRecord } from './core/account-limits.js';
import { Core } from './core/core.js';
import type { UserRow } from './core/types.js';
import { AioError } from './core/errors.js';
import { closeDb, openDb } from './db/open.js';

const USAGE = `usage: npm run aio -- <command>
  user add NAME [--key KEY]   create an account (a random key is made and shown when none is given)
  user list                   list accounts
  user key NAME [--key KEY]   replace an account's key (a running server refuses the old one within 0.1 s
                              and closes the MQTT sessions that logged in with it within 0.5 s)
  user limit NAME N|default   the account's data rate in points per minute (0 = none), or back to AIO_RATE_LIMIT
  user limits NAME [--feeds N|default] [--groups N|default] [--dashboards N|default]
                              how many feeds, groups (the default group aside) and dashboards the account may
                              have (0 = unlimited), or back to AIO_MAX_*; without options, shows them
The database is the one AIO_DB names (default ./data/aio.sqlite).`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new AioError(400, `${name} needs a value`);
  args.splice(i, 2);
  return v;
}

const LIMITED: LimitedRecord[] = ['feeds', 'groups', 'dashboards'];
const OWN_LIMIT: Record<LimitedRecord, 'maxFeeds' | 'maxGroups' | 'maxDashboards'> = {
  feeds: 'maxFeeds',
  groups: 'maxGroups',
  dashboards: 'maxDashboards',
};

/** `carol: 10 feeds, 5 groups (default), unlimited dashboards (default)` */
function describeLimits(core: Core, user: UserRow): string {
  const now = effectiveLimits(core.ctx, user.id);
  const parts = LIMITED.map(
    (kind) => `${now[kind] === 0 ? 'unlimited' : now[kind]} ${kind}${user[OWN_LIMIT[kind]] === null ? ' (default)' : ''}`,
  );
  return `${user.username}: ${parts.join(', ')}`;
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
        out(
          `${user.username}: ${user.rateLimit === null ? `default limit (${config.rateLimit}/min)` : `${user.rateLimit} points per minute`}`,
        );
        return 0;
      }
      case 'limits': {
        if (!name) throw new AioError(400, 'user limits needs a NAME');
        const limits: Partial<Record<LimitedRecord, number | null>> = {};
        for (const kind of LIMITED) {
          const raw = option(args, `--${kind}`);
          if (raw === undefined) continue;
          if (raw !== 'default' && !/^\d+$/.test(raw))
            throw new AioError(400, `--${kind}: "${raw}" is not a whole number (0 = unlimited) or "default"`);
          limits[kind] = raw === 'default' ? null : Number(raw);
        }
        if (args.length > 3) throw new AioError(400, `user limits takes --feeds, --groups and --dashboards, not "${args[3]}"`);
        const existing = core.accounts.find(name);
        if (!existing) throw new AioError(404, `no user named ${name}`);
        const user = Object.keys(limits).length > 0 ? core.accounts.setLimits(name, limits) : existing;
        out(describeLimits(core, user));
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
