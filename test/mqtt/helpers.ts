// Shared by the MQTT tests: a core + Fastify app (for inject) + the broker on a loopback port,
// `mqtt` clients, and an inbox that records what each client receives.

import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Config } from '../../src/config.js';
import type { Clock } from '../../src/core/clock.js';
import { startBroker, type MqttBroker } from '../../src/mqtt/broker.js';
import { handleTest, makeApp, type Setup, type TestAccount, type TestApp } from '../helpers.js';

export interface Msg {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface MqttTest extends Omit<TestApp, 'close'> {
  broker: MqttBroker;
  port: number;
  /** Connects as `as` (alice by default; null = anonymous) over TCP. */
  connect(as?: TestAccount | null, opts?: IClientOptions): Promise<MqttClient>;
  /** Connects and returns the client with an inbox, subscribed to `filters` and the barrier feed. */
  listen(
    as: TestAccount,
    filters: string[] | Record<string, { qos: 0 | 1 | 2 }>,
    opts?: IClientOptions,
  ): Promise<{ client: MqttClient; inbox: Inbox }>;
  /**
   * Waits until every inbox got a point published (QoS 1, by `publisher`) on the barrier feed after
   * everything before it: per-client delivery is in order, so what was due before has arrived.
   */
  barrier(publisher: MqttClient, ...inboxes: Inbox[]): Promise<void>;
  close(): Promise<void>;
}

let barrierSeq = 0;

export const BARRIER_FEED = 'zz-barrier';

/** `log`: receives the broker's log lines, debug ones included. */
export async function makeMqtt(opts: { clock?: Clock; config?: Partial<Config>; log?: (line: string) => void } = {}): Promise<MqttTest> {
  const base = await makeApp(opts);
  const started = await startBroker(base.core, base.config, {
    timers: null,
    clock: opts.clock,
    log: opts.log,
    debug: opts.log !== undefined,
  });
  const clients: MqttClient[] = [];
  const connect = async (as: TestAccount | null = base.alice, o: IClientOptions = {}) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${started.port}`, {
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...(as ? { username: as.name, password: as.key } : {}),
      ...o,
    });
    clients.push(client);
    return client;
  };
  return {
    ...base,
    broker: started.broker,
    port: started.port,
    connect,
    async listen(as, filters, o) {
      const client = await connect(as, o);
      const inbox = new Inbox(client);
      const subs: Record<string, { qos: 0 | 1 | 2 }> = Array.isArray(filters)
        ? Object.fromEntries(filters.map((f) => [f, { qos: 0 as const }]))
        : { ...filters };
      subs[`${as.name}/f/${BARRIER_FEED}`] ??= { qos: 0 };
      await client.subscribeAsync(subs);
      return { client, inbox };
    },
    async barrier(publisher, ...inboxes) {
      const value = `b${++barrierSeq}`;
      const user = (publisher.options.username as string | undefined) ?? 'alice';
      const waits = inboxes.map((i) => i.waitFor((m) => m.topic.endsWith(`/f/${BARRIER_FEED}`) && m.payload === value));
      await publisher.publishAsync(`${user}/f/${BARRIER_FEED}`, value, { qos: 1 });
      await Promise.all(waits);
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await started.broker.close();
      base.close();
    },
  };
}

// Fixtures (see test/helpers.ts): `t` is a makeMqtt handle made for the test; closing it after the
// test ends every client it connected and the broker.
export const mqttTestWith = (setup: Setup) => handleTest(setup, makeMqtt);
/** `t` is `makeMqtt()`, on the wall clock. */
export const mqttTest = mqttTestWith({});

/** Records every message a client receives. */
export class Inbox {
  readonly messages: Msg[] = [];
  private waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m: Msg = { topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** Resolves with the first message (already received or to come) that satisfies `pred`. */
  waitFor(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.withoutBarrier())}`)),
        timeoutMs,
      );
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** The one message received on `topic` (barrier messages aside). */
  on(topic: string): Msg {
    const found = this.withoutBarrier().filter((x) => x.topic === topic);
    if (found.length !== 1) throw new Error(`${found.length} messages on ${topic}; got ${JSON.stringify(this.withoutBarrier())}`);
    return found[0]!;
  }

  /** Messages other than barrier ones, as `topic payload` strings, sorted. */
  list(): string[] {
    return this.withoutBarrier()
      .map((m) => `${m.topic} ${m.payload}`)
      .sort();
  }

  withoutBarrier(): Msg[] {
    // Barrier points also show up in `{user}/g/default` group messages.
    return this.messages.filter((m) => !m.topic.includes(BARRIER_FEED) && !m.payload.includes(BARRIER_FEED));
  }

  clear(): void {
    this.messages.length = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Raw packets, for what the mqtt client library will not send.

export function mqttString(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

export function packet(firstByte: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);
}

export function connectPacket(o: { clientId: string; clean: boolean; username?: string; password?: string; level?: 3 | 4 }): Buffer {
  const level = o.level ?? 4;
  let flags = o.clean ? 0x02 : 0;
  if (o.username !== undefined) flags |= 0x80;
  if (o.password !== undefined) flags |= 0x40;
  const header = Buffer.concat([mqttString(level === 4 ? 'MQTT' : 'MQIsdp'), Buffer.from([level, flags, 0, 60])]);
  const parts = [header, mqttString(o.clientId)];
  if (o.username !== undefined) parts.push(mqttString(o.username));
  if (o.password !== undefined) parts.push(mqttString(o.password));
  return packet(0x10, Buffer.concat(parts));
}

/** Opens a raw TCP connection (from `localAddress`, e.g. 127.0.0.2, when given) and resolves with the socket and a reader for its bytes. */
export function rawConnect(
  port: number,
  localAddress?: string,
): Promise<{ socket: Socket; next(bytes: number): Promise<Buffer>; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host: '127.0.0.1', localAddress });
    let buf = Buffer.alloc(0);
    let want: { n: number; resolve: (b: Buffer) => void } | undefined;
    const pump = () => {
      if (want && buf.length >= want.n) {
        const out = buf.subarray(0, want.n);
        buf = buf.subarray(want.n);
        const w = want;
        want = undefined;
        w.resolve(out);
      }
    };
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      pump();
    });
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        next: (n) =>
          new Promise((r) => {
            want = { n, resolve: r };
            pump();
          }),
      }),
    );
  });
}

/** SUBSCRIBEs and resolves with the SUBACK return codes (the mqtt client rejects on 0x80 otherwise). */
export function suback(client: MqttClient, filters: string | string[] | Record<string, { qos: 0 | 1 | 2 }>): Promise<number[]> {
  return new Promise((resolve) => {
    const onPacket = (p: { cmd: string; granted?: number[] }) => {
      if (p.cmd !== 'suback') return;
      client.off('packetreceive', onPacket as never);
      resolve(p.granted ?? []);
    };
    client.on('packetreceive', onPacket as never);
    client.subscribe(filters as never, () => {});
  });
}
