// Webhook and email outputs against receivers this test starts on the loopback: an HTTP server and
// an SMTP sink (smtp-server). Nothing leaves the machine.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type ActionSettings } from '../../src/config.js';
import type { Fields } from '../../src/core/feeds.js';
import type { FeedRow } from '../../src/core/types.js';
import { FakeClock, makeCore, type TestCore } from '../helpers.js';

interface Received {
  method: string;
  type: string | undefined;
  body: any;
}

/** An HTTP receiver answering each request with the next of `answers` (the last one repeats; `hang` never answers). */
async function receiver(answers: Array<number | 'hang'> = [200]) {
  const got: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      got.push({ method: req.method!, type: req.headers['content-type'], body: JSON.parse(text) });
      const answer = answers[Math.min(got.length - 1, answers.length - 1)]!;
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

/** An SMTP sink on the loopback: no TLS, no authentication, every message kept. */
async function smtpSink() {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: (session.envelope.mailFrom || { address: '' }).address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The Subject header, unfolded and decoded from RFC 2047 Q-encoding. */
function subject(raw: string): string {
  const header = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)![1]!.replace(/\r\n[ \t]/g, ' ');
  return header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, q: string) =>
    Buffer.from(
      q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8'),
  );
}

let t: TestCore;
let reports: string[];
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  t.close();
  for (const c of closers.splice(0)) await c();
});

function start(actions: Partial<ActionSettings> = {}) {
  const clock = new FakeClock();
  t = makeCore({ clock: clock.now, config: { actions: { ...loadConfig({}).actions, webhookRetryDelayMs: 0, ...actions } } });
  reports = [];
  t.core.events.on('report', (r) => reports.push(r.message));
}

const feed = (name: string) => t.core.feeds.create(t.alice.user, t.core.groups.defaultGroup(t.alice.user), { name });
const values = (f: FeedRow) =>
  t.core.data
    .page(f, { limit: 100 })
    .rows.map((r) => r.value)
    .reverse();
const create = (fields: Fields) => t.core.actions.create(t.alice.user, fields);

async function write(f: FeedRow, value: string) {
  const row = await t.core.data.soon(() => t.core.data.create(t.alice.user, t.core.feeds.byIdFor(t.alice.user, f.id)!, [{ value }])[0]!);
  await t.core.actions.settled();
  return row;
}

describe('webhook outputs', () => {
  it('POST {trigger_id, feed_key, value, created_at} as JSON to action_url', async () => {
    start();
    const hook = await receiver();
    closers.push(hook.close);
    const temp = feed('Room Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'webhook', action_url: hook.url });
    await write(temp, '31.5');
    expect(hook.got).toEqual([
      {
        method: 'POST',
        type: 'application/json',
        body: { trigger_id: a.id, feed_key: 'room-temp', value: '31.5', created_at: '2026-01-15T12:00:00Z' },
      },
    ]);
    expect(reports).toEqual([]);
  });

  it('retry a 5xx up to AIO_ACTION_WEBHOOK_RETRIES times', async () => {
    start({ webhookRetries: 2 });
    const hook = await receiver([503, 500, 200]);
    closers.push(hook.close);
    const temp = feed('Temp');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'webhook', action_url: hook.url, action_value: 'hot' });
    await write(temp, '31');
    expect(hook.got.map((r) => r.body.value)).toEqual(['hot', 'hot', 'hot']);
    expect(reports).toEqual([]);
  });

  it('give up after the retries and report it; a 4xx is not tried again', async () => {
    start({ webhookRetries: 1 });
    const failing = await receiver([500]);
    const refusing = await receiver([404]);
    closers.push(failing.close, refusing.close);
    const temp = feed('Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'webhook', action_url: failing.url });
    const b = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'webhook', action_url: refusing.url });
    await write(temp, '31');
    expect(failing.got).toHaveLength(2);
    expect(refusing.got).toHaveLength(1);
    expect(reports.sort()).toEqual(
      [
        `action ${a.id} failed: webhook ${failing.url} failed: answered 500 (2 attempts)`,
        `action ${b.id} failed: webhook ${refusing.url} answered 404`,
      ].sort(),
    );
  });

  it('abandon an attempt after AIO_ACTION_WEBHOOK_TIMEOUT_MS; the point that fired it is stored and acknowledged meanwhile', async () => {
    start({ webhookTimeoutMs: 150, webhookRetries: 0 });
    const hook = await receiver(['hang']);
    closers.push(hook.close);
    const temp = feed('Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'webhook', action_url: hook.url });
    let settled = false;
    const stored = await t.core.data.soon(() => t.core.data.create(t.alice.user, temp, [{ value: '31' }])[0]!);
    const waiting = t.core.actions.settled().then(() => (settled = true));
    expect(stored.value).toBe('31');
    expect(values(temp)).toEqual(['31']);
    expect(settled).toBe(false);
    await waiting;
    expect(hook.got).toHaveLength(1);
    expect(reports).toEqual([`action ${a.id} failed: webhook ${hook.url} failed: no answer within 150 ms (1 attempt)`]);
  });

  it('report a receiver that cannot be reached', async () => {
    start({ webhookRetries: 0 });
    const hook = await receiver();
    await hook.close(); // the port is free now: nothing listens
    const temp = feed('Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'webhook', action_url: hook.url });
    await write(temp, '31');
    expect(reports).toEqual([`action ${a.id} failed: webhook ${hook.url} failed: ECONNREFUSED (1 attempt)`]);
  });
});

describe('email outputs', () => {
  it('send action_value to action_email through AIO_SMTP_URL', async () => {
    const sink = await smtpSink();
    closers.push(sink.close);
    start({ smtpUrl: sink.url, smtpFrom: 'io@example.test' });
    const temp = feed('Temp');
    create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'email', action_email: 'me@example.test', action_value: 'It is hot' });
    await write(temp, '31');
    expect(sink.mails).toHaveLength(1);
    const [mail] = sink.mails;
    expect(mail).toMatchObject({ from: 'io@example.test', to: ['me@example.test'] });
    expect(mail!.raw).toContain('It is hot');
    expect(subject(mail!.raw)).toMatch(/^aio-local action \d+: If Temp is greater than "30" then email "It is hot" to me@example.test\.$/);
    expect(reports).toEqual([]);
  });

  it('without AIO_SMTP_URL, record the undelivered email in the activity log', async () => {
    start({ smtpUrl: undefined });
    const temp = feed('Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'email', action_email: 'me@example.test' });
    await write(temp, '31');
    const [email] = t.core.activities.page(t.alice.user, { model: 'Trigger', limit: 10 }).rows;
    expect(email).toMatchObject({ action: 'email', model: 'Trigger' });
    expect(JSON.parse(email!.data)).toEqual({
      trigger_id: a.id,
      to: 'me@example.test',
      subject: `aio-local action ${a.id}: If Temp is greater than "30" then email the incoming value to me@example.test.`,
      text: `31\n\n-- \nIf Temp is greater than "30" then email the incoming value to me@example.test.\n`,
      delivered: false,
      reason: 'AIO_SMTP_URL is not set',
    });
  });

  it('report an SMTP server that cannot be reached', async () => {
    const sink = await smtpSink();
    await sink.close();
    start({ smtpUrl: sink.url });
    const temp = feed('Temp');
    const a = create({ feed_id: temp.id, operator: 'gt', value: '30', action: 'email', action_email: 'me@example.test' });
    await write(temp, '31');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(new RegExp(`^action ${a.id} failed: email to me@example.test failed: .*ECONNREFUSED`));
  });
});
