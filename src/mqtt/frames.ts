// A pass-through stream between a connection (TCP, TLS or WebSocket) and Aedes that reads MQTT fixed
// headers as bytes go by and stops a connection whose next packet would exceed the configured size,
// before the parser buffers it. Aedes itself has no packet size limit for MQTT 3.1.1.
// It also checks the few protocol rules the parser lets through (packet-rules.ts) on the raw bytes of
// PINGREQ, PUBLISH (topic and packet id only), SUBSCRIBE and UNSUBSCRIBE: a packet that breaks one
// closes the connection before the parser has all of it, so Aedes never acts on it.

import { Duplex } from 'node:stream';
import { checkFilters, checkPublishHead } from './packet-rules.js';

export interface FrameGuardOptions {
  maxPacketBytes: number;
  /** Called once, before the connection is closed, with the size the packet announced. */
  onTooBig?: (guard: FrameGuard, bytes: number) => void;
  /** Called once, before the connection is closed, with the protocol rule the packet broke. */
  onMalformed?: (guard: FrameGuard, reason: string) => void;
}

type State = 'type' | 'length' | 'body';

const PUBLISH = 3;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;
const PINGREQ = 12;
/** scan()'s answer for a packet over the size limit (any other answer is a broken rule). */
const TOO_BIG = 'too big';

export class FrameGuard extends Duplex {
  /** Aedes sets this on the stream it handles. */
  declare client?: unknown;
  private state: State = 'type';
  private lengthValue = 0;
  private lengthMultiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  /** First byte of the current packet. */
  private header = 0;
  /** Body bytes of the current packet the rule check needs, and those gathered so far (views, not copies). */
  private need = 0;
  private parts: Buffer[] = [];
  private gathered = 0;
  /** PUBLISH: whether `need` already counts the topic (known once its 2 length bytes are in). */
  private topicSized = false;
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
    const problem = this.scan(chunk);
    if (problem !== undefined) {
      this.refused = true;
      if (problem === TOO_BIG) this.opts.onTooBig?.(this, this.lengthValue);
      else this.opts.onMalformed?.(this, problem);
      this.destroy();
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  /** Advances the header state machine over `chunk`; TOO_BIG, a broken rule, or undefined. */
  private scan(chunk: Buffer): string | undefined {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'type':
          this.header = chunk[i++]!;
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
            if (this.lengthBytes >= 4) return TOO_BIG; // malformed remaining length
            break;
          }
          if (1 + this.lengthBytes + this.lengthValue > this.opts.maxPacketBytes) return TOO_BIG;
          const problem = this.startPacket(chunk, i);
          if (problem !== undefined) return problem;
          this.remaining = this.lengthValue;
          this.state = this.remaining > 0 ? 'body' : 'type';
          break;
        }
        case 'body': {
          const gathering = this.gathered < this.need;
          const take = Math.min(this.remaining, n - i, gathering ? this.need - this.gathered : Infinity);
          if (gathering) {
            this.parts.push(chunk.subarray(i, i + take));
            this.gathered += take;
          }
          i += take;
          this.remaining -= take;
          if (gathering && this.gathered === this.need) {
            const problem = this.inspect();
            if (problem !== undefined) return problem;
          }
          if (this.remaining === 0) this.state = 'type';
          break;
        }
      }
    }
    return undefined;
  }

  /**
   * Once the remaining length is known, with the body starting at chunk[i]: what of it the rules
   * need (PINGREQ needs none: it must have none).
   */
  private startPacket(chunk: Buffer, i: number): string | undefined {
    if (this.parts.length > 0) this.parts = [];
    this.gathered = 0;
    this.need = 0;
    this.topicSized = false;
    switch (this.header >> 4) {
      case PINGREQ:
        return this.lengthValue === 0 ? undefined : 'PINGREQ with a payload';
      case PUBLISH: {
        if (this.lengthValue < 2) return 'PUBLISH without a topic name';
        const qos = (this.header >> 1) & 3;
        // Usually the topic and packet id are in this chunk: checked in place, nothing gathered.
        if (chunk.length - i >= 2) {
          const head = 2 + chunk.readUInt16BE(i) + (qos > 0 ? 2 : 0);
          if (head > this.lengthValue) return 'PUBLISH shorter than its topic name';
          if (chunk.length - i >= head) return checkPublishHead(chunk, i, qos);
        }
        // Else the topic's 2 length bytes first; inspect() then asks for the topic and packet id.
        this.need = 2;
        return undefined;
      }
      case SUBSCRIBE:
      case UNSUBSCRIBE:
        // Small and rare: the whole body, within the size limit already checked.
        this.need = this.lengthValue;
        return this.need === 0 ? this.inspect() : undefined;
      default:
        return undefined;
    }
  }

  /** Runs when the `need` bytes are in: may ask for more (a PUBLISH's topic), else applies the rule. */
  private inspect(): string | undefined {
    const body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.gathered);
    const type = this.header >> 4;
    if (type === PUBLISH) {
      const qos = (this.header >> 1) & 3;
      if (!this.topicSized) {
        this.topicSized = true;
        const need = 2 + body.readUInt16BE(0) + (qos > 0 ? 2 : 0);
        if (need > this.lengthValue) return 'PUBLISH shorter than its topic name';
        if (need > this.gathered) {
          this.need = need;
          return undefined;
        }
      }
      return checkPublishHead(body, 0, qos);
    }
    return checkFilters(body, type === SUBSCRIBE ? 'SUBSCRIBE' : 'UNSUBSCRIBE');
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
