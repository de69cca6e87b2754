// The two outputs that leave the server: webhook POSTs and emails. Both run off the ingestion path
// (the point that fired them is committed and acknowledged already) and report failure by rejecting.

import { createRequire } from 'node:module';
import type { Transporter } from 'nodemailer';
import type { ActionSettings } from '../../config.js';

/** The JSON body of a webhook output. */
export interface WebhookPayload {
  trigger_id: number;
  feed_key: string | null;
  value: string | null;
  created_at: string;
}

/** A failure that another attempt would not mend (the receiver refused the request). */
class Refused extends Error {}

/** Resolves after `ms`, or rejects at once when `signal` aborts (the core is stopping). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function why(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * POSTs `payload` as JSON to `url`: each attempt is abandoned after `webhookTimeoutMs`; a network
 * error, a timeout, a 5xx or a 429 is tried again up to `webhookRetries` times, waiting
 * `webhookRetryDelayMs` and twice that each time after; any other answer below 200 or from 300 up
 * is final (redirects are not followed: the URL is the one the owner gave).
 */
export async function postWebhook(url: string, payload: WebhookPayload, settings: ActionSettings, stop: AbortSignal): Promise<void> {
  const body = JSON.stringify(payload);
  let last = '';
  for (let attempt = 0; attempt <= settings.webhookRetries; attempt++) {
    if (attempt > 0) await pause(settings.webhookRetryDelayMs * 2 ** (attempt - 1), stop);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'aio-local actions' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(settings.webhookTimeoutMs), stop]),
      });
      // The answer's body is of no use; reading it frees the connection for the next POST.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return;
      last = `answered ${res.status}`;
      if (res.status < 500 && res.status !== 429) throw new Refused(last);
    } catch (err) {
      if (err instanceof Refused || stop.aborted)
        throw new Error(`webhook ${url} ${err instanceof Refused ? err.message : 'abandoned: the server is stopping'}`);
      last = why(err, settings.webhookTimeoutMs);
    }
  }
  const attempts = settings.webhookRetries + 1;
  throw new Error(`webhook ${url} failed: ${last} (${attempts} attempt${attempts > 1 ? 's' : ''})`);
}

export interface Email {
  to: string;
  subject: string;
  text: string;
}

/** Email through the SMTP server of `AIO_SMTP_URL`, one connection made on first use and kept. */
export class Mailer {
  private transport: Transporter | undefined;

  constructor(private readonly settings: ActionSettings) {}

  get configured(): boolean {
    return this.settings.smtpUrl !== undefined;
  }

  async send(mail: Email): Promise<void> {
    // Loaded on the first email: nodemailer is about 4 MB of a server's idle RSS that most never use.
    this.transport ??= (createRequire(import.meta.url)('nodemailer') as typeof import('nodemailer')).createTransport(
      this.settings.smtpUrl!,
    );
    try {
      await this.transport.sendMail({ from: this.settings.smtpFrom, to: mail.to, subject: mail.subject, text: mail.text });
    } catch (err) {
      throw new Error(`email to ${mail.to} failed: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.transport?.close();
    this.transport = undefined;
  }
}
