import { describe, expect, test } from 'vitest';
import { AioError } from '../../src/core/errors.js';
import { Faults, globToRegExp, topicMatches } from '../../src/core/faults.js';
import { FakeClock } from '../helpers.js';

const http503 = { door: 'http', match: { method: 'POST', path: '/alice/feeds/*/data' }, action: { type: 'status', status: 503 } };

function badField(f: Faults, input: unknown): string {
  try {
    f.add(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AioError);
    expect((err as AioError).status).toBe(400);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('fault rules', () => {
  test('a rule matches its door, account, method and path glob, and counts its hits', () => {
    const f = new Faults(new FakeClock().now);
    const rule = f.add({ ...http503, account: 'alice' });
    expect(rule).toMatchObject({ id: expect.any(String), account: 'alice', phase: 'before', hits: 0, times: null, after: 0 });
    expect(f.match('http', 'alice', { method: 'GET', path: '/alice/feeds/t/data' })).toBeNull();
    expect(f.match('http', 'alice', { method: 'POST', path: '/alice/feeds/t/data/batch' })).toBeNull();
    expect(f.match('http', 'bob', { method: 'POST', path: '/alice/feeds/t/data' })).toBeNull();
    expect(f.match('mqtt', 'alice', { method: 'POST', path: '/alice/feeds/t/data' })).toBeNull();
    expect(f.match('http', 'alice', { method: 'post', path: '/alice/feeds/t/data' })?.id).toBe(rule.id);
    expect(f.get(rule.id)?.hits).toBe(1);
  });

  test('a rule for any account also applies to logins that name no known account', () => {
    const f = new Faults(new FakeClock().now);
    f.add({ door: 'mqtt', match: { packet: 'connect' }, action: { type: 'refuse', return_code: 3 } });
    expect(f.match('mqtt', 'nobody', { packet: 'connect', dir: 'in' })).not.toBeNull();
    expect(f.match('mqtt', undefined, { packet: 'connect', dir: 'in' })).not.toBeNull();
  });

  test('after skips the first matches, times spends the rule', () => {
    const f = new Faults(new FakeClock().now);
    const rule = f.add({ ...http503, after: 2, times: 2 });
    const facts = { method: 'POST', path: '/alice/feeds/t/data' };
    const got = [1, 2, 3, 4, 5].map(() => f.match('http', 'alice', facts)?.id ?? null);
    expect(got).toEqual([null, null, rule.id, rule.id, null]);
    expect(f.get(rule.id)).toMatchObject({ hits: 2, spent: true });
    expect(f.any('http')).toBe(false);
  });

  test('ttl_ms ends a rule by the core clock', () => {
    const clock = new FakeClock();
    const f = new Faults(clock.now);
    const rule = f.add({ ...http503, ttl_ms: 1000 });
    expect(rule.expires_at).toBe(new Date(clock.ms + 1000).toISOString());
    const facts = { method: 'POST', path: '/alice/feeds/t/data' };
    clock.advance(999);
    expect(f.match('http', 'alice', facts)).not.toBeNull();
    clock.advance(1);
    expect(f.match('http', 'alice', facts)).toBeNull();
  });

  test('probability draws from the injected random', () => {
    const draws = [0.9, 0.1];
    const f = new Faults(new FakeClock().now, () => draws.shift()!);
    f.add({ ...http503, probability: 0.5 });
    const facts = { method: 'POST', path: '/alice/feeds/t/data' };
    expect(f.match('http', 'alice', facts)).toBeNull();
    expect(f.match('http', 'alice', facts)?.hits).toBe(1);
  });

  test('phase narrows the search; the oldest matching rule wins', () => {
    const f = new Faults(new FakeClock().now);
    const after = f.add({ ...http503, phase: 'after' });
    const before = f.add({ ...http503, action: { type: 'reset' } });
    const facts = { method: 'POST', path: '/alice/feeds/t/data' };
    expect(f.match('http', 'alice', facts, 'before')?.id).toBe(before.id);
    expect(f.match('http', 'alice', facts, 'after')?.id).toBe(after.id);
    expect(f.match('http', 'alice', facts)?.id).toBe(after.id);
  });

  test('MQTT rules match packet, direction and topic filter', () => {
    const f = new Faults(new FakeClock().now);
    const rule = f.add({ door: 'mqtt', match: { packet: 'PUBLISH', dir: 'out', topic: 'alice/f/+' }, action: { type: 'drop' } });
    expect(rule.match.packet).toBe('publish');
    expect(f.match('mqtt', 'alice', { packet: 'publish', dir: 'in', topic: 'alice/f/x' })).toBeNull();
    expect(f.match('mqtt', 'alice', { packet: 'publish', dir: 'out', topic: 'alice/f/x/json' })).toBeNull();
    expect(f.match('mqtt', 'alice', { packet: 'publish', dir: 'out', topic: 'alice/f/x' })?.id).toBe(rule.id);
  });

  test('list, get, remove and clear', () => {
    const f = new Faults(new FakeClock().now);
    const a = f.add(http503);
    const b = f.add(http503);
    expect(f.list().map((r) => r.id)).toEqual([a.id, b.id]);
    expect(f.remove(a.id)).toBe(true);
    expect(f.remove(a.id)).toBe(false);
    expect(f.get(a.id)).toBeUndefined();
    f.clear();
    expect(f.list()).toEqual([]);
  });

  test('bad rules are refused naming the field', () => {
    const f = new Faults(new FakeClock().now);
    expect(badField(f, { ...http503, door: 'ftp' })).toMatch(/^door/);
    expect(badField(f, { ...http503, match: { topic: 'x' } })).toMatch(/^match\.topic/);
    expect(badField(f, { ...http503, match: { path: 'feeds' } })).toMatch(/^match\.path/);
    expect(badField(f, { ...http503, action: { type: 'refuse' } })).toMatch(/^action\.type/);
    expect(badField(f, { ...http503, action: { type: 'status' } })).toMatch(/^action\.status/);
    expect(badField(f, { ...http503, action: { type: 'delay', ms: -1 } })).toMatch(/^action\.ms/);
    expect(badField(f, { ...http503, times: 0 })).toMatch(/^times/);
    expect(badField(f, { ...http503, after: 1.5 })).toMatch(/^after/);
    expect(badField(f, { ...http503, ttl_ms: 'soon' })).toMatch(/^ttl_ms/);
    expect(badField(f, { ...http503, probability: 2 })).toMatch(/^probability/);
    expect(badField(f, { ...http503, phase: 'during' })).toMatch(/^phase/);
    expect(badField(f, { ...http503, account: 5 })).toMatch(/^account/);
    expect(badField(f, { door: 'mqtt', match: { packet: 'hello' }, action: { type: 'drop' } })).toMatch(/^match\.packet/);
    expect(badField(f, { door: 'mqtt', match: { dir: 'up' }, action: { type: 'drop' } })).toMatch(/^match\.dir/);
    expect(f.list()).toEqual([]);
  });

  test('globs and topic filters', () => {
    expect(globToRegExp('/a/*/c').test('/a/b/c')).toBe(true);
    expect(globToRegExp('/a/*').test('/a/b/c')).toBe(false);
    expect(globToRegExp('/a/**').test('/a/b/c')).toBe(true);
    expect(globToRegExp('/a.b').test('/axb')).toBe(false);
    expect(topicMatches('a/#', 'a')).toBe(true);
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});
