// FrameGuard's way out: what Aedes writes to one connection in one tick leaves in one write.
import { Duplex } from 'node:stream';
import { expect, it } from 'vitest';
import { FrameGuard } from '../../src/mqtt/frames.js';

/** A connection that records each write it is given (several chunks at once when corked). */
class Recorder extends Duplex {
  readonly writes: Buffer[][] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.writes.push([chunk]);
    cb();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: () => void): void {
    this.writes.push(chunks.map((c) => c.chunk));
    cb();
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

it('the PUBACKs of one tick leave in one write of the connection, in order; the next tick writes again', async () => {
  const inner = new Recorder();
  const guard = new FrameGuard(inner, { maxPacketBytes: 1024 });
  const pubacks = [1, 2, 3].map((id) => Buffer.from([0x40, 2, 0, id]));
  for (const p of pubacks) guard.write(p);
  await nextTurn();
  expect(inner.writes).toEqual([pubacks]);
  const pingresp = Buffer.from([0xd0, 0]);
  guard.write(pingresp);
  await nextTurn();
  expect(inner.writes).toEqual([pubacks, [pingresp]]);
});
