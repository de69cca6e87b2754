/**
 * A minimal MQTT 3.1.1 client on a plain socket, for the load processes that hold thousands of
 * connections (many-devices, fleet): an mqtt.js client costs its process tens of kB and timers of its
 * own, which would make the client side, not the broker, the limit. CONNECT, SUBSCRIBE, PUBLISH at
 * QoS 0/1 and the acknowledgements; no reconnect, no keep-alive pings (keepalive is set long instead).
 */
import { connect as tcpConnect, type Socket } from 'node:net';

export interface RawOptions {
  port: number;
  host?: string;
  /** Source address (127.0.0.2, 127.0.0.3 …): each has its own ephemeral ports. */
  localAddress?: string;
  clientId: string;
  username?: string;
  password?: string;
  /** Seconds; the broker closes a silent client after 1.5× this. */
  keepalive?: number;
  timeoutMs?: number;
}

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([b.length >> 8, b.length & 255]), b]);
};

function packet(first: number, ...parts: Buffer[]): Buffer {
  const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const len: number[] = [];
  let n = body.length;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 128;
    len.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([first, ...len]), body]);
}

type Pending = { resolve: (v: Buffer) => void; reject: (e: Error) => void };

export class RawMqtt {
  /** PUBLISH packets the broker forwards to this client. */
  onMessage: ((topic: string, payload: Buffer) => void) | undefined;
  closed = false;
  private buf: Buffer = Buffer.alloc(0);
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private connack: Pending | undefined;
  private closedCb: (() => void) | undefined;

  private constructor(private readonly sock: Socket) {}

  static connect(o: RawOptions): Promise<RawMqtt> {
    return new Promise((resolve, reject) => {
      const sock = tcpConnect({ port: o.port, host: o.host ?? '127.0.0.1', localAddress: o.localAddress });
      const c = new RawMqtt(sock);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`${o.clientId}: no CONNACK within ${o.timeoutMs ?? 60_000} ms`));
      }, o.timeoutMs ?? 60_000);
      c.connack = {
        resolve: (rc) => {
          clearTimeout(timer);
          if (rc[0] === 0) resolve(c);
          else {
            sock.destroy();
            reject(new Error(`${o.clientId}: CONNACK return code ${rc[0]}`));
          }
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      sock.setNoDelay(true);
      sock.on('connect', () => {
        const flags = 0x02 | (o.username !== undefined ? 0x80 : 0) | (o.password !== undefined ? 0x40 : 0);
        const ka = o.keepalive ?? 600;
        sock.write(
          packet(
            0x10,
            str('MQTT'),
            Buffer.from([4, flags, ka >> 8, ka & 255]),
            str(o.clientId),
            ...(o.username !== undefined ? [str(o.username)] : []),
            ...(o.password !== undefined ? [str(o.password)] : []),
          ),
        );
      });
      sock.on('data', (chunk) => c.read(chunk));
      sock.on('error', (err) => c.fail(err));
      sock.on('close', () => c.fail(new Error(`${o.clientId}: connection closed`)));
    });
  }

  /** Resolves with the granted QoS of each filter (128: refused). */
  async subscribe(filters: string[], qos: 0 | 1 = 0): Promise<number[]> {
    const id = this.id();
    const body = Buffer.concat(filters.map((f) => Buffer.concat([str(f), Buffer.from([qos])])));
    const ack = this.await(id);
    this.sock.write(packet(0x82, Buffer.from([id >> 8, id & 255]), body));
    return [...(await ack)];
  }

  /** QoS 1 resolves on the PUBACK; QoS 0 once written. */
  publish(topic: string, payload: Buffer | string, qos: 0 | 1 = 0): Promise<void> {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    if (qos === 0) {
      this.sock.write(packet(0x30, str(topic), data));
      return Promise.resolve();
    }
    const id = this.id();
    const ack = this.await(id);
    this.sock.write(packet(0x32, str(topic), Buffer.from([id >> 8, id & 255]), data));
    return ack.then(() => undefined);
  }

  /** Drops the connection without DISCONNECT (as a device losing power would); resolves once closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.closedCb = resolve;
      this.sock.destroy();
    });
  }

  private id(): number {
    this.nextId = (this.nextId % 65535) + 1;
    return this.nextId;
  }

  private await(id: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.connack?.reject(err);
    this.connack = undefined;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.closedCb?.();
  }

  private read(chunk: Buffer): void {
    const rest = splitFrames(this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk, (first, body) => this.handle(first, body));
    this.buf = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
  }

  private handle(first: number, body: Buffer): void {
    switch (first >> 4) {
      case 2: // CONNACK
        this.connack?.resolve(body.subarray(1, 2));
        this.connack = undefined;
        return;
      case 3: {
        // PUBLISH
        const qos = (first >> 1) & 3;
        const tlen = body.readUInt16BE(0);
        const topic = body.toString('utf8', 2, 2 + tlen);
        let at = 2 + tlen;
        if (qos > 0) {
          const id = body.readUInt16BE(at);
          at += 2;
          this.sock.write(Buffer.from([0x40, 2, id >> 8, id & 255]));
        }
        this.onMessage?.(topic, body.subarray(at));
        return;
      }
      case 4: // PUBACK
      case 9: {
        // SUBACK
        const id = body.readUInt16BE(0);
        const p = this.pending.get(id);
        if (p) {
          this.pending.delete(id);
          p.resolve(body.subarray(2));
        }
        return;
      }
      default:
        return;
    }
  }
}

/** Calls `onFrame` with each whole MQTT packet in `buf` (first byte, body); returns the incomplete rest. */
export function splitFrames(buf: Buffer, onFrame: (first: number, body: Buffer) => void): Buffer {
  let at = 0;
  for (;;) {
    if (buf.length - at < 2) break;
    let len = 0;
    let mul = 1;
    let i = at + 1;
    let complete = false;
    for (; i < buf.length && i < at + 5; i++) {
      len += (buf[i]! & 127) * mul;
      mul *= 128;
      if ((buf[i]! & 128) === 0) {
        complete = true;
        i++;
        break;
      }
    }
    if (!complete || buf.length < i + len) break;
    onFrame(buf[at]!, buf.subarray(i, i + len));
    at = i + len;
  }
  return buf.subarray(at);
}
