// The MQTT door's hook for the test control plane (issue #18): a stream between a connection's socket
// and the rest of the broker (FrameGuard, then Aedes) that cuts the bytes into packets in both
// directions, writes each to the journal and applies the fault rules that match it. It is put in place
// by listeners.ts handle() only when the control plane is on, so with it off no byte takes this path.
// Working on the wire rather than inside Aedes' handlers keeps every fault honest: the client sees
// exactly the bytes a faulty broker or network would give it, and Aedes sees only what got through.

import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import { type FaultRule, type Faults, MQTT_PACKETS } from '../core/faults.js';
import { type Journal, type JournalInput, LATER } from '../core/journal.js';

export interface MqttControl {
  faults?: Faults;
  journal?: Journal;
}

/** Payloads are kept as text up to this many bytes. */
const PAYLOAD_MAX = 4096;

/** Packet names by MQTT control packet type (1 connect … 14 disconnect, 15 auth of MQTT 5). */
const NAMES = ['reserved', ...MQTT_PACKETS, 'auth'];

/** The fields of a packet the journal and the rules look at. */
interface Packet {
  cmd: string;
  frame: Buffer;
  topic?: string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  payload?: Buffer;
  clientId?: string;
  username?: string;
  keepalive?: number;
  clean?: boolean;
  returnCode?: number;
  granted?: number[];
  subscriptions?: Array<{ topic: string; qos: number }>;
}

/**
 * PUBACKs an `omit_ack` rule swallowed, by account, client id and packet id, with the packet's topic and
 * payload. The point was committed and the client never told, so [MQTT-4.3.2-2] (a PUBLISH with that id
 * is new once a PUBACK was SENT) does not hold yet: the client's resend of that same packet, on this
 * connection or after a reconnect, is acknowledged without being stored again. The point is stored once,
 * and what the test sees is the firmware's retry, not a duplicate the fault itself made.
 */
class WithheldAcks {
  private static readonly MAX = 10_000;
  private readonly acks = new Map<string, string>();

  get size(): number {
    return this.acks.size;
  }

  add(key: string, fingerprint: string): void {
    if (this.acks.size >= WithheldAcks.MAX) this.acks.delete(this.acks.keys().next().value!);
    this.acks.set(key, fingerprint);
  }

  /** True when this resend is one whose PUBACK was swallowed (and forgets it: one resend is answered). */
  take(key: string, fingerprint: string): boolean {
    if (this.acks.get(key) !== fingerprint) return false;
    this.acks.delete(key);
    return true;
  }
}

/** One table per control plane (its Faults), shared by every connection so a reconnect finds it. */
const withheldAcks = new WeakMap<object, WithheldAcks>();

function withheldFor(control: MqttControl): WithheldAcks | undefined {
  if (!control.faults) return undefined;
  let table = withheldAcks.get(control.faults);
  if (!table) withheldAcks.set(control.faults, (table = new WithheldAcks()));
  return table;
}

function fingerprint(p: Packet): string {
  return createHash('sha256')
    .update(p.topic ?? '')
    .update('\0')
    .update(p.payload ?? Buffer.alloc(0))
    .digest('base64');
}

/** Splits a byte stream into whole MQTT packets (fixed header, remaining length, body). */
class Splitter {
  private buf: Buffer | null = null;

  push(chunk: Buffer): Buffer[] {
    let data = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const size = frameSize(data);
      if (size === undefined || size > data.length) break;
      out.push(data.subarray(0, size));
      data = data.subarray(size);
    }
    this.buf = data.length > 0 ? Buffer.from(data) : null;
    return out;
  }
}

function frameSize(data: Buffer): number | undefined {
  let len = 0;
  let mul = 1;
  for (let i = 1; i < 5; i++) {
    if (i >= data.length) return undefined;
    const b = data[i]!;
    len += (b & 0x7f) * mul;
    mul *= 128;
    if (!(b & 0x80)) return 1 + i + len;
  }
  // Not a valid length: hand the rest on in one piece, FrameGuard closes the connection over it.
  return data.length;
}

function str(buf: Buffer, at: number): [string, number] {
  const n = buf.readUInt16BE(at);
  return [buf.toString('utf8', at + 2, at + 2 + n), at + 2 + n];
}

/** Reads what the journal and the rules need; MQTT 3.1 and 3.1.1 (the versions Aedes speaks). */
function decode(frame: Buffer): Packet {
  const type = frame[0]! >> 4;
  const p: Packet = { cmd: NAMES[type] ?? 'reserved', frame };
  try {
    let at = 1;
    while (frame[at]! & 0x80) at++;
    at++;
    switch (type) {
      case 1: {
        let protocol: string;
        [protocol, at] = str(frame, at);
        void protocol;
        at++; // level
        const flags = frame[at++]!;
        p.keepalive = frame.readUInt16BE(at);
        at += 2;
        p.clean = (flags & 0x02) !== 0;
        [p.clientId, at] = str(frame, at);
        if (flags & 0x04) {
          [, at] = str(frame, at);
          at += 2 + frame.readUInt16BE(at);
        }
        if (flags & 0x80) [p.username, at] = str(frame, at);
        break;
      }
      case 2:
        p.returnCode = frame[at + 1];
        break;
      case 3: {
        p.qos = (frame[0]! >> 1) & 3;
        p.retain = (frame[0]! & 1) !== 0;
        p.dup = (frame[0]! & 8) !== 0;
        [p.topic, at] = str(frame, at);
        if (p.qos > 0) {
          p.messageId = frame.readUInt16BE(at);
          at += 2;
        }
        p.payload = frame.subarray(at);
        break;
      }
      case 4:
      case 5:
      case 6:
      case 7:
      case 11:
        p.messageId = frame.readUInt16BE(at);
        break;
      case 8:
      case 10: {
        p.messageId = frame.readUInt16BE(at);
        at += 2;
        p.subscriptions = [];
        while (at < frame.length) {
          let topic: string;
          [topic, at] = str(frame, at);
          const qos = type === 8 ? frame[at++]! & 3 : 0;
          p.subscriptions.push({ topic, qos });
        }
        break;
      }
      case 9:
        p.messageId = frame.readUInt16BE(at);
        p.granted = [...frame.subarray(at + 2)];
        break;
    }
  } catch {
    // A malformed packet: FrameGuard or Aedes refuses it; the journal gets what was read.
  }
  return p;
}

function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function subscribeFrame(messageId: number, subs: Array<{ topic: string; qos: number }>): Buffer {
  const parts = subs.map((s) => {
    const t = Buffer.from(s.topic, 'utf8');
    const b = Buffer.alloc(2 + t.length + 1);
    b.writeUInt16BE(t.length, 0);
    t.copy(b, 2);
    b[2 + t.length] = s.qos;
    return b;
  });
  const body = Buffer.concat([Buffer.from([messageId >> 8, messageId & 0xff]), ...parts]);
  return Buffer.concat([Buffer.from([0x82, ...remainingLength(body.length)]), body]);
}

function subackFrame(messageId: number, granted: number[]): Buffer {
  return Buffer.from([0x90, ...remainingLength(2 + granted.length), messageId >> 8, messageId & 0xff, ...granted]);
}

type Step = { frame: Buffer; delay: number };

/** Frames of one direction, in order: one with a delay holds back those behind it, as a slow link would. */
class DelayQueue {
  private readonly steps: Step[] = [];
  private held = false;

  constructor(
    private readonly wait: (ms: number, fn: () => void) => void,
    private readonly deliver: (frame: Buffer) => void,
    private readonly open: () => boolean = () => true,
  ) {}

  get empty(): boolean {
    return this.steps.length === 0;
  }

  add(step: Step): void {
    this.steps.push(step);
    if (!this.held) this.flush();
  }

  private flush(): void {
    while (this.steps.length > 0 && this.open()) {
      const step = this.steps[0]!;
      if (step.delay > 0) {
        const delay = step.delay;
        step.delay = 0;
        this.held = true;
        this.wait(delay, () => {
          this.held = false;
          this.flush();
        });
        return;
      }
      this.steps.shift();
      this.deliver(step.frame);
    }
  }
}

/**
 * One connection under control. Packets that must wait (a `delay`) hold back the ones behind them in
 * the same direction, as a slow link would; `stall` stops reading the socket for good.
 */
class ControlledConnection extends Duplex {
  private readonly inSplit = new Splitter();
  private readonly outSplit = new Splitter();
  private account: string | undefined;
  private clientId = '';
  private stalled = false;
  private cut = false;
  /** PUBLISH packet ids whose PUBACK a rule on the PUBLISH said to omit. */
  private readonly ackFaults = new Map<number, FaultRule>();
  /**
   * QoS 1 PUBLISHes waiting for their PUBACK, by packet id, for WithheldAcks: the packet itself (views
   * of the bytes read), fingerprinted only if an `omit_ack` rule swallows its PUBACK.
   */
  private readonly unacked = new Map<number, Packet>();
  private readonly withheld: WithheldAcks | undefined;
  /** SUBSCRIBE packet ids whose filters a rule failed: the positions the SUBACK gets 0x80 at. */
  private readonly failedSubs = new Map<number, { failed: boolean[]; fault: string }>();
  // In: a full read buffer pauses the socket; nothing more goes to Aedes once the connection is cut.
  private readonly inQueue = new DelayQueue(
    (ms, fn) => this.later(ms, fn),
    (frame) => {
      if (!this.push(frame)) this.inner.pause();
    },
    () => !this.cut,
  );
  private readonly outQueue = new DelayQueue(
    (ms, fn) => this.later(ms, fn),
    (frame) => {
      if (!this.inner.destroyed && !this.inner.writableEnded) this.inner.write(frame);
    },
  );
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly inner: Duplex,
    private readonly control: MqttControl,
    private readonly ip: string,
  ) {
    super({ allowHalfOpen: false });
    this.withheld = withheldFor(control);
    inner.on('data', (chunk: Buffer) => this.incoming(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  // ---- from the client ------------------------------------------------------------------------

  private incoming(chunk: Buffer): void {
    if (this.stalled) return;
    for (const frame of this.inSplit.push(chunk)) {
      if (this.stalled || this.cut) return;
      const p = decode(frame);
      if (p.cmd === 'connect') {
        this.account = p.username || undefined;
        this.clientId = p.clientId ?? '';
      }
      if (p.cmd === 'publish' && p.qos === 1 && p.messageId !== undefined && this.withheld) {
        if (this.withheld.size > 0 && this.withheld.take(this.ackKey(p.messageId), fingerprint(p))) {
          this.record('in', p, null);
          this.outgoing(Buffer.from([0x40, 0x02, p.messageId >> 8, p.messageId & 0xff]));
          continue;
        }
        this.unacked.set(p.messageId, p);
      }
      let forward: Buffer | null = frame;
      let delay = 0;
      let rule: FaultRule | null;
      if (p.cmd === 'subscribe' && p.subscriptions && this.control.faults) {
        // Rules match a SUBSCRIBE by each of its filters.
        ({ rule, forward } = this.subscribeFaults(p));
      } else {
        rule = this.control.faults?.match('mqtt', this.account, { packet: p.cmd, dir: 'in', topic: p.topic }) ?? null;
      }
      this.record('in', p, rule);
      if (rule) {
        switch (rule.action.type) {
          case 'refuse':
            return this.refuse(rule);
          case 'close':
            this.cut = true;
            this.inner.destroy();
            return;
          case 'stall':
            this.stalled = true;
            this.inner.pause();
            return;
          case 'drop':
            forward = null;
            break;
          case 'delay':
            delay = rule.action.ms as number;
            break;
          case 'omit_ack':
            if (p.messageId !== undefined) this.ackFaults.set(p.messageId, rule);
            break;
        }
      }
      if (forward) this.inQueue.add({ frame: forward, delay });
    }
  }

  /**
   * The filters of a SUBSCRIBE that a `suback_failure` rule matches are taken out before Aedes sees
   * it, so no subscription is held for them; the SUBACK then says 0x80 at their places. The packet's
   * rule (for the journal and any other action) is the first one that matched a filter.
   */
  private subscribeFaults(p: Packet): { rule: FaultRule | null; forward: Buffer | null } {
    const subs = p.subscriptions!;
    let first: FaultRule | null = null;
    let failedBy: string | undefined;
    const failed = subs.map((s) => {
      const rule = this.control.faults!.match('mqtt', this.account, { packet: 'subscribe', dir: 'in', topic: s.topic });
      first ??= rule;
      if (rule?.action.type !== 'suback_failure') return false;
      failedBy ??= rule.id;
      return true;
    });
    if (failedBy === undefined || p.messageId === undefined) return { rule: first, forward: p.frame };
    const kept = subs.filter((_, i) => !failed[i]);
    this.failedSubs.set(p.messageId, { failed, fault: failedBy });
    if (kept.length > 0) return { rule: first, forward: subscribeFrame(p.messageId, kept) };
    // Nothing left to ask Aedes: the SUBACK is ours.
    this.outgoing(subackFrame(p.messageId, []));
    return { rule: first, forward: null };
  }

  private ackKey(messageId: number): string {
    return `${this.account ?? ''}\0${this.clientId}\0${messageId}`;
  }

  private refuse(rule: FaultRule): void {
    const code = rule.action.return_code as number;
    const connack = Buffer.from([0x20, 0x02, 0x00, code]);
    this.record('out', { cmd: 'connack', frame: connack, returnCode: code }, rule);
    this.cut = true;
    this.inner.write(connack, () => this.inner.end());
  }

  override _read(): void {
    if (!this.stalled) this.inner.resume();
  }

  // ---- to the client --------------------------------------------------------------------------

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.outgoing(chunk);
    this.whenDrained(cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    for (const c of chunks) this.outgoing(c.chunk);
    this.whenDrained(cb);
  }

  /** A slow reader holds Aedes back as it would without this stream in between. */
  private whenDrained(cb: () => void): void {
    if (this.inner.writableNeedDrain && !this.inner.destroyed) this.inner.once('drain', () => cb());
    else cb();
  }

  /**
   * Aedes corks its stream for a tick and hands over several packets at once; they leave in one
   * socket write here too (corked), not one write per packet, which would cost a system call each.
   */
  private outgoing(chunk: Buffer): void {
    const inner = this.inner;
    if (inner.destroyed || inner.writableEnded) return this.outgoingFrames(chunk);
    inner.cork();
    try {
      this.outgoingFrames(chunk);
    } finally {
      if (!inner.destroyed) inner.uncork();
    }
  }

  private outgoingFrames(chunk: Buffer): void {
    for (let frame of this.outSplit.push(chunk)) {
      const p = decode(frame);
      let rule = this.control.faults?.match('mqtt', this.account, { packet: p.cmd, dir: 'out', topic: p.topic }) ?? null;
      if (p.cmd === 'puback' && p.messageId !== undefined && this.ackFaults.has(p.messageId)) {
        rule ??= this.ackFaults.get(p.messageId)!;
        this.ackFaults.delete(p.messageId);
      }
      if (p.cmd === 'suback' && p.messageId !== undefined && this.failedSubs.has(p.messageId)) {
        const { failed, fault } = this.failedSubs.get(p.messageId)!;
        this.failedSubs.delete(p.messageId);
        const aedes = p.granted ?? [];
        let k = 0;
        p.granted = failed.map((f) => (f ? 0x80 : (aedes[k++] ?? 0x80)));
        frame = subackFrame(p.messageId, p.granted);
        p.frame = frame;
        rule ??= this.control.faults?.get(fault) ?? null;
      }
      this.record('out', p, rule);
      if (p.cmd === 'puback' && p.messageId !== undefined) {
        const publish = this.unacked.get(p.messageId);
        this.unacked.delete(p.messageId);
        if (rule?.action.type === 'omit_ack' && publish !== undefined) this.withheld?.add(this.ackKey(p.messageId), fingerprint(publish));
      }
      let delay = 0;
      switch (rule?.action.type) {
        case 'drop':
        case 'omit_ack':
          continue;
        case 'delay':
          delay = rule.action.ms as number;
          break;
        case 'close':
          this.cut = true;
          this.inner.destroy();
          return;
        case 'stall':
          this.stalled = true;
          this.inner.pause();
          break;
      }
      this.outQueue.add({ frame, delay });
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    // What a delay still holds goes out before the FIN.
    const finish = () => {
      if (!this.outQueue.empty) return void this.once('outFlushed', finish);
      this.inner.end();
      cb();
    };
    finish();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!this.inner.destroyed) {
      if (err) this.inner.destroy();
      else this.inner.end();
    }
    cb(err);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
      if (this.outQueue.empty) this.emit('outFlushed');
    }, ms);
    this.timers.add(t);
  }

  // ---- the journal ----------------------------------------------------------------------------

  private record(dir: 'in' | 'out', p: Packet, rule: FaultRule | null): void {
    const journal = this.control.journal;
    if (!journal || this.account === undefined) return;
    const entry: JournalInput = {
      account: this.account,
      door: 'mqtt',
      dir,
      client_id: this.clientId,
      packet: p.cmd,
      fault: rule?.id ?? null,
    };
    if (p.topic !== undefined) entry.topic = p.topic;
    if (p.qos !== undefined) entry.qos = p.qos;
    if (p.retain !== undefined) entry.retain = p.retain;
    if (p.dup !== undefined) entry.dup = p.dup;
    if (p.messageId !== undefined) entry.message_id = p.messageId;
    if (p.payload !== undefined) {
      const payload = p.payload;
      if (payload.buffer.byteLength <= PAYLOAD_MAX) {
        // Its text is made if someone reads the entry; until then the view keeps the bytes it was read
        // in, which is why only small reads are kept this way (a bounded journal holds no more than before).
        entry[LATER] = () => ({ payload: payload.toString('utf8') });
      } else {
        entry.payload = payload.toString('utf8', 0, Math.min(payload.length, PAYLOAD_MAX));
        if (payload.length > PAYLOAD_MAX) entry.payload_bytes = payload.length;
      }
    }
    if (p.cmd === 'connect') {
      entry.username = p.username;
      entry.keepalive = p.keepalive;
      entry.clean = p.clean;
      entry.ip = this.ip;
    }
    if (p.returnCode !== undefined) entry.return_code = p.returnCode;
    if (p.granted !== undefined) entry.granted = p.granted;
    if (p.subscriptions !== undefined) entry.filters = p.subscriptions.map((s) => s.topic);
    if (p.cmd === 'subscribe' && p.subscriptions) entry.topic = p.subscriptions[0]?.topic;
    journal.append(entry);
  }
}

/** Puts a connection under control (listeners.ts calls this only when the control plane is on). */
export function controlConnection(inner: Duplex, control: MqttControl, ip: string): Duplex {
  return new ControlledConnection(inner, control, ip);
}
