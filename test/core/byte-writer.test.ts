import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../src/core/byte-writer.js';

describe('ByteWriter', () => {
  it('writes the UTF-8 bytes Buffer.from gives, multi-byte and astral characters included', () => {
    const w = new ByteWriter(8);
    const parts = ['[', '"ünï"', ',', '"✓ 🌡"', ',', '"\\u0001 plain ascii"', ']'];
    w.start();
    for (const p of parts) w.text(p);
    expect(w.take().equals(Buffer.from(parts.join('')))).toBe(true);
  });

  it('grows past its first size and hands each answer its own bytes', () => {
    const w = new ByteWriter(4);
    w.start().text('a'.repeat(1000));
    w.text('é');
    const first = w.take();
    w.start().text('second');
    const second = w.take();
    expect(first.toString()).toBe(`${'a'.repeat(1000)}é`);
    expect(first.length).toBe(1002);
    expect(second.toString()).toBe('second');
  });

  it('forgets what a build that threw left behind', () => {
    const w = new ByteWriter(16);
    w.start().text('half of a page');
    w.start().text('whole');
    expect(w.take().toString()).toBe('whole');
  });

  it('lets a very large scratch go after taking it, and still writes afterwards', () => {
    const w = new ByteWriter(16);
    const big = 'x'.repeat(2 * 1024 * 1024);
    w.start().text(big);
    expect(w.take().length).toBe(big.length);
    expect((w as unknown as { buf: Buffer }).buf.length).toBe(16);
    w.start().text('after');
    expect(w.take().toString()).toBe('after');
  });
});
