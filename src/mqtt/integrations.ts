// Integration topics: `{user}/integration(s)/words/{id}`, `.../weather/{id}/{type}`, `.../air_quality/{id}/{type}`.
//
// A subscriber gets the record's current value at once (after its SUBACK), then each change the core
// announces with an `integration` event. An id the user has no record for gets a message on
// `{user}/errors` instead of silence. Only literal filters are served: a wildcard such as `{user}/#`
// is for feeds, and forecasts for every record would be a flood nobody asked for.
//
// Payloads, as the clients parse them: a randomizer's JSON record with its `value`; a weather or
// air-quality topic the JSON object of that one forecast type (`{"summary":..,"temperature":..}`).

import type { Core } from '../core/core.js';
import type { IntegrationEvent } from '../core/events.js';
import type { IntegrationRow, Wanted } from '../core/integrations/integrations.js';
import type { ClientSession } from './client-session.js';
import type { Qos, SubscriptionIndex } from './subscriptions.js';
import { parseTopic, type IntegrationTopic } from './topics.js';

interface Held {
  topic: IntegrationTopic;
  qos: Qos;
}

export class IntegrationPublisher {
  /** Each session's literal integration filters; pruned lazily against the index (unsubscribed, closed). */
  private readonly subs = new Map<ClientSession, Map<string, Held>>();
  private readonly detach: Array<() => void>;

  constructor(
    private readonly core: Core,
    private readonly index: SubscriptionIndex,
    private readonly report: (username: string, text: string) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.detach = [core.integrations.addSource(() => this.wanted()), core.events.on('integration', (e) => this.changed(e))];
  }

  /** A SUBSCRIBE was granted: integration filters are answered with the current value, or an error. */
  subscribed(session: ClientSession, filter: string, qos: Qos): void {
    const user = session.user;
    const topic = parseTopic(filter);
    if (!user || topic?.kind !== 'integration') return;
    let held = this.subs.get(session);
    if (!held) this.subs.set(session, (held = new Map()));
    held.set(filter, { topic, qos });
    const row = this.core.integrations.find(user, topic.service, topic.id);
    // After the SUBACK: Aedes writes it once this callback returns.
    setImmediate(() => {
      if (!row) {
        this.report(user.username, `${filter} subscription: no ${topic.service} record ${topic.id} for ${user.username}`);
        return;
      }
      this.core.integrations.values(user, row).then(
        (values) => {
          this.core.integrations.noteSent({ user, service: row.service, id: row.id }, values);
          if (!session.closed) this.deliver(session, filter, topic, row, values, qos);
        },
        (err: unknown) => this.report(user.username, `${filter}: ${err instanceof Error ? err.message : String(err)}`),
      );
    });
  }

  stop(): void {
    for (const d of this.detach) d();
    this.subs.clear();
  }

  private *wanted(): Iterable<Wanted> {
    for (const [session, held] of this.subs) {
      if (session.closed) {
        this.subs.delete(session);
        continue;
      }
      for (const [filter, h] of held) {
        if (!this.live(session, filter)) {
          held.delete(filter);
          continue;
        }
        const id = Number(h.topic.id);
        if (Number.isInteger(id)) yield { user: session.user!, service: h.topic.service, id };
      }
    }
  }

  /** Still subscribed; a restored subscription of a returning persistent session counts before its replay makes it live. */
  private live(session: ClientSession, filter: string): boolean {
    return this.index.find(session, filter) !== undefined || session.restored !== null;
  }

  private changed(e: IntegrationEvent): void {
    for (const [session, held] of this.subs) {
      if (session.closed || session.user?.id !== e.user.id) continue;
      for (const [filter, h] of held) {
        if (h.topic.service !== e.service || h.topic.id !== String(e.row.id)) continue;
        if (!this.live(session, filter)) continue;
        try {
          this.deliver(session, filter, h.topic, e.row, e.values, h.qos);
        } catch (err) {
          this.onError(err);
        }
      }
    }
  }

  private deliver(
    session: ClientSession,
    filter: string,
    topic: IntegrationTopic,
    row: IntegrationRow,
    values: Record<string, unknown>,
    qos: Qos,
  ): void {
    const payload = topic.type === null ? this.core.integrations.json(row, values) : values[topic.type];
    if (payload === undefined) return;
    session.send(filter, JSON.stringify(payload), qos);
  }
}
