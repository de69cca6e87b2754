// A pass-through stream between a connection (TCP, TLS or WebSocket) and Aedes that reads MQTT fixed
// headers as bytes go by and stops a connection whose next packet would exceed the configured size,
// before the parser buffers it. Aedes itself has no packet size limit for MQTT 3.1.1.

import { Duplex } from 'node:stream';

export interface FrameGuardOptions {
  maxPacketBytes: number;
  /** Called once, before the connection is closed, with the size the packet announced. */
  onTooBig?: (guard: FrameGuard, bytes: number) => void;
}

type State = 'type' | 'length' | 'body';

export class FrameGuard extends Duplex {
  /** Aedes sets this on the stream it handles. */
  declare client?: unknown;
  private state: State = 'type';
  private lengthValue = 0;
  private lengthMultiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private refused = false;
  private ended = false;

  constructor(
    readonly inner: Duplex,
    private readonly opts: FrameGuardOptions,
  ) {
    super({ allowHalfOpen: false });
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('end', () => this.endReadable());
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => {
      this.endReadable();
      // Let Aedes read what arrived before the close (a PUBLISH just before DISCONNECT) first.
      if (this.readableEnded || this.destroyed) return this.destroy();
      this.once('end', () => this.destroy());
      setTimeout(() => this.destroy(), 1000).unref();
    });
    inner.on('drain', () => this.emit('innerDrain'));
  }

  private endReadable(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }

  private onData(chunk: Buffer): void {
    if (this.refused) return;
    if (!this.scan(chunk)) {
      this.refused = true;
      this.opts.onTooBig?.(this, this.lengthValue);
      this.destroy();
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  /** Advances the header state machine over `chunk`; false when a packet is too big or malformed. */
  private scan(chunk: Buffer): boolean {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'type':
          i++;
          this.state = 'length';
          this.lengthValue = 0;
          this.lengthMultiplier = 1;
          this.lengthBytes = 0;
          break;
        case 'length': {
          const b = chunk[i++]!;
          this.lengthValue += (b & 0x7f) * this.lengthMultiplier;
          this.lengthMultiplier *= 128;
          this.lengthBytes++;
          if (b & 0x80) {
            if (this.lengthBytes >= 4) return false; // malformed remaining length
            break;
          }
          if (1 + this.lengthBytes + this.lengthValue > this.opts.maxPacketBytes) return false;
          this.remaining = this.lengthValue;
          this.state = this.remaining > 0 ? 'body' : 'type';
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, n - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
      }
    }
    return true;
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) return cb(new Error('connection closed'));
    if (this.inner.write(chunk)) cb();
    else this.once('innerDrain', () => cb());
  }

  /**
   * Aedes writes a packet in several pieces (header, topic, payload); taken together they leave as
   * one socket write instead of three to five, which is most of the cost of a fan-out.
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    if (this.inner.destroyed) return cb(new Error('connection closed'));
    const data = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk));
    if (this.inner.write(data)) cb();
    else this.once('innerDrain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.inner.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (err || this.refused) {
      this.inner.destroy();
    } else if (!this.inner.destroyed) {
      // A clean close: flush what is queued (a last CONNACK, an error report), then FIN.
      this.inner.end();
      const timer = setTimeout(() => this.inner.destroy(), 2000);
      timer.unref();
      this.inner.once('close', () => clearTimeout(timer));
    }
    cb(err);
  }
}
