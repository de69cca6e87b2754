import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
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
});
