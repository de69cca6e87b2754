import type { Client, PublishPacket } from 'aedes';
import type { TokenRow } from '../core/tokens.js';
import type { UserRow } from '../core/types.js';
import type { Delivery, KeptSession } from './sessions.js';
import type { Qos } from './subscriptions.js';

/** One logged-in MQTT connection: who it is, and where deliveries to it go. */
export class ClientSession implements KeptSession {
  /** Closes the session when its token expires (token logins only). */
  expiryTimer: NodeJS.Timeout | undefined;
  // Persistent sessions (clean session 0), managed by SessionKeeper (sessions.ts).
  persistent = false;
  restored: KeptSession['restored'] = null;
  held: Delivery[] | null = null;
  live = false;
  gone = false;

  constructor(
    readonly client: Client,
    readonly user: UserRow | null,
    readonly ip: string,
    /** The scoped token the session logged in with; null for the account key and anonymous sessions. */
    readonly token: TokenRow | null = null,
  ) {}

  /** Ends the core's watch on the account key this session logged in with (account key sessions only). */
  releaseKey: (() => void) | undefined;

  get id(): string {
    return this.client.id;
  }

  /** A persistent session stays open to deliveries until the keeper has taken it offline. */
  get closed(): boolean {
    return this.client.closed && !(this.persistent && !this.gone);
  }

  send(topic: string, payload: string | Buffer, qos: Qos): void {
    // Held during the replay, or between the connection closing and the keeper queueing for it.
    if (this.held || (this.persistent && this.client.closed)) {
      (this.held ??= []).push({ topic, payload, qos });
      return;
    }
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
      qos,
      retain: false,
      dup: false,
    };
    this.client.publish(packet, () => {});
  }
}
