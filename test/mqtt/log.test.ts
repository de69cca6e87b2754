// What clients send (client ids, topics) cannot write log lines of their own: it is quoted and its
// control characters escaped, so a `\n{"level":50,...}` stays inside our line.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { oneLine, printable } from '../../src/mqtt/log-text.js';
import { connectPacket, makeMqtt, mqttString, packet, rawConnect, type MqttTest } from './helpers.js';

const FORGED = '\n{"level":50,"msg":"forged"}';

let t: MqttTest;
let lines: string[];
beforeEach(async () => {
  lines = [];
  t = await makeMqtt({ log: (line) => lines.push(line) });
});
afterEach(async () => {
  await t.close();
});

function expectOneLineEach(): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).toMatch(/^mqtt: /);
    expect(line).not.toMatch(/[\n\r\u2028\u2029\u0085]/);
  }
}

describe('broker log lines', () => {
  it('quote client ids and topics of refused SUBSCRIBEs and PUBLISHes', async () => {
    const watcher = await t.listen(t.alice, ['alice/errors']);
    const client = await t.connect(t.alice, { clientId: `dev${FORGED}` });
    client.subscribe(`bob/f/x${FORGED}`);
    client.publish(`tele/x${FORGED}`, '1');
    await watcher.inbox.waitFor((m) => m.payload.includes('PUBLISH tele/x'));
    expectOneLineEach();
    expect(lines).toContain(
      `mqtt: ${printable(`dev${FORGED}`)} SUBSCRIBE ${printable(`bob/f/x${FORGED}`)} rejected, resource not available or not authorized`,
    );
    expect(lines.some((l) => l.includes('\\n{\\"level\\":50'))).toBe(true);
  });

  it('escape client text in the publish path and client errors too', async () => {
    const anon = await t.connect(null, { clientId: `anon${FORGED}` });
    anon.publish(`alice/f/x${FORGED}`, '1'); // dropped: anonymous
    // A protocol violation with a forged client id: a PINGREQ with a payload.
    const raw = await rawConnect(t.port);
    raw.socket.write(connectPacket({ clientId: `raw${FORGED}`, clean: true, username: 'alice', password: t.alice.key }));
    await raw.next(4);
    raw.socket.write(packet(0xc0, Buffer.from([0])));
    await raw.closed;
    // and a client error (a wildcard PUBLISH, refused by Aedes) from a forged id
    const wild = await rawConnect(t.port);
    wild.socket.write(connectPacket({ clientId: `wild${FORGED}`, clean: true, username: 'alice', password: t.alice.key }));
    await wild.next(4);
    wild.socket.write(packet(0x30, Buffer.concat([mqttString('alice/f/#'), Buffer.from('1')])));
    await wild.closed;
    await t.barrier(await t.connect(t.alice));
    expectOneLineEach();
    expect(lines.some((l) => l.startsWith('mqtt: anonymous PUBLISH alice/f/x\\u000a{'))).toBe(true);
    expect(lines).toContain(`mqtt: closing ${printable(`raw${FORGED}`)}: PINGREQ with a payload`);
    expect(lines.some((l) => l.startsWith(`mqtt: client ${printable(`wild${FORGED}`)}: `))).toBe(true);
  });

  it('a client id with terminal escapes and line separators is escaped as well', () => {
    expect(printable('a\u001b[2J\u2028b\u0085')).toBe('"a\\u001b[2J\\u2028b\\u0085"');
    expect(oneLine('x\ny\rz\u2029')).toBe('x\\u000ay\\u000dz\\u2029');
    expect(oneLine('plain line')).toBe('plain line');
  });
});
