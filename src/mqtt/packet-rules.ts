// MQTT 3.1.1 rules that the parser (mqtt-packet) and Aedes let through, checked on a packet's raw
// bytes by FrameGuard before the parser sees the whole packet. Each breach is a protocol violation
// after which the server must close the network connection. Every function returns the reason, or
// undefined when the bytes are fine.
//
// The parser decodes strings with Buffer#toString, which turns ill-formed UTF-8 into U+FFFD: after
// it, a bad topic can no longer be told from a good one, so this has to look at the bytes. What Aedes
// already refuses (wildcards or an empty topic in PUBLISH, malformed filters) is left to it.
//
// This runs for every PUBLISH: offsets instead of subarrays, and a byte loop for the usual ASCII
// topic, which is faster than two native calls on 20 to 40 bytes.

import { isUtf8 } from 'node:buffer';

/** [MQTT-1.5.3-1] well-formed UTF-8 (no surrogates, no overlong forms); [MQTT-1.5.3-2] no U+0000. */
export function checkString(buf: Buffer, start: number, end: number, what: string): string | undefined {
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === 0) return `${what} contains U+0000`;
    if (b >= 0x80) ascii = false;
  }
  if (!ascii && !isUtf8(buf.subarray(start, end))) return `${what} is not valid UTF-8`;
  return undefined;
}

/**
 * The start of a PUBLISH body at `start`: topic name, and the packet identifier when QoS > 0.
 * `buf` holds at least 2 + topic length (+ 2) bytes from `start`.
 */
export function checkPublishHead(buf: Buffer, start: number, qos: number): string | undefined {
  const topicEnd = start + 2 + buf.readUInt16BE(start);
  const bad = checkString(buf, start + 2, topicEnd, 'topic name');
  if (bad) return bad;
  // [MQTT-2.3.1-1]
  if (qos > 0 && buf[topicEnd] === 0 && buf[topicEnd + 1] === 0) return 'PUBLISH with QoS > 0 and packet identifier 0';
  return undefined;
}

/**
 * A whole SUBSCRIBE or UNSUBSCRIBE body: a non-zero packet identifier [MQTT-2.3.1-1], then at least
 * one topic filter [MQTT-3.8.3-3], [MQTT-3.10.3-2] (each followed by a QoS byte in SUBSCRIBE), each
 * valid text.
 */
export function checkFilters(body: Buffer, name: 'SUBSCRIBE' | 'UNSUBSCRIBE'): string | undefined {
  const qosBytes = name === 'SUBSCRIBE' ? 1 : 0;
  if (body.length < 2) return `${name} without a packet identifier`;
  if (body.readUInt16BE(0) === 0) return `${name} with packet identifier 0`;
  let pos = 2;
  let count = 0;
  while (pos < body.length) {
    if (pos + 2 > body.length) return `malformed ${name}`;
    const length = body.readUInt16BE(pos);
    pos += 2;
    if (pos + length + qosBytes > body.length) return `malformed ${name}`;
    const bad = checkString(body, pos, pos + length, 'topic filter');
    if (bad) return bad;
    pos += length + qosBytes;
    count++;
  }
  if (count === 0) return `${name} without topic filters`;
  return undefined;
}
