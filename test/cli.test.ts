import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { Core } from '../src/core/core.js';
import { AioError } from '../src/core/errors.js';
import { closeDb, openDb } from '../src/db/open.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  tmp = tempDir();
  env = { AIO_DB: join(tmp.dir, 'aio.sqlite') };
});
afterEach(() => tmp.cleanup());

function run(...args: string[]): { code: number; out: string } {
  const lines: string[] = [];
  const code = runCli(args, env, (s) => lines.push(s));
  return { code, out: lines.join('\n') };
}

describe('the account command', () => {
  it('adds, lists, rotates keys and sets limits', () => {
    expect(run('user', 'add', 'carol', '--key', 'carol-key').out).toBe('created carol');
    const made = run('user', 'add', 'dave');
    expect(made.out).toMatch(/^created dave with key aio_[A-Za-z0-9]{28}$/);
    expect(run('user', 'list').out).toMatch(/^carol\tlimit 30\/min \(default\)\tcreated .*\ndave\t/);
    const rotated = run('user', 'key', 'carol');
    expect(rotated.out).toMatch(/^new key for carol: aio_/);
    expect(rotated.out).not.toContain('carol-key');
    expect(run('user', 'limit', 'carol', '60').out).toBe('carol: 60 points per minute');
    expect(run('user', 'list').out).toContain('carol\tlimit 60/min\t');
    expect(run('user', 'limit', 'carol', 'default').out).toBe('carol: default limit (30/min)');
  });

  it('refuses bad commands with a usage text and errors with a message', () => {
    expect(run('nonsense').code).toBe(2);
    expect(run().out).toContain('usage');
    expect(() => run('user', 'add', 'bad name')).toThrow(/valid username/);
    expect(() => run('user', 'key', 'nobody')).toThrow(/no user/);
    expect(() => run('user', 'limit', 'nobody', '5')).toThrow(/no user/);
    run('user', 'add', 'erin');
    expect(() => run('user', 'limit', 'erin', 'fast')).toThrow(/whole number/);
  });

  it('sets, shows and resets the record limits of one account', () => {
    env.AIO_MAX_FEEDS = '10';
    run('user', 'add', 'carol', '--key', 'carol-key');
    expect(run('user', 'limits', 'carol').out).toBe(
      'carol: 10 feeds (default), unlimited groups (default), unlimited dashboards (default)',
    );
    expect(run('user', 'limits', 'carol', '--feeds', '2', '--groups', '0', '--dashboards', '5').out).toBe(
      'carol: 2 feeds, unlimited groups, 5 dashboards',
    );
    // an option left out keeps its value; `default` goes back to AIO_MAX_*
    expect(run('user', 'limits', 'carol', '--feeds', 'default').out).toBe('carol: 10 feeds (default), unlimited groups, 5 dashboards');
    expect(() => run('user', 'limits', 'carol', '--feeds', 'many')).toThrow(/--feeds: "many" is not a whole number/);
    expect(() => run('user', 'limits', 'carol', '--feed', '3')).toThrow(/not "--feed"/);
    expect(() => run('user', 'limits', 'nobody')).toThrow(/no user/);
  });

  it('the limit it sets is the one a server on that database enforces', () => {
    env.AIO_MAX_FEEDS = '10';
    run('user', 'add', 'carol', '--key', 'carol-key');
    run('user', 'limits', 'carol', '--feeds', '1');
    const db = openDb(env.AIO_DB!);
    try {
      const core = new Core(db, loadConfig(env));
      const carol = core.accounts.authenticate('carol-key')!;
      const home = core.groups.defaultGroup(carol);
      core.feeds.create(carol, home, { name: 'one' });
      expect(() => core.feeds.create(carol, home, { name: 'two' })).toThrow(AioError);
      // set while this "server" runs: it applies to the next create
      run('user', 'limits', 'carol', '--feeds', '0');
      expect(core.feeds.create(carol, home, { name: 'two' }).key).toBe('two');
    } finally {
      closeDb(db);
    }
  });
});
