import type { BrokerContext } from './broker-context.js';
import { printable } from './log-text.js';
import type { Session } from './subscriptions.js';

/** Adafruit's wording for refusals (compat-notes §3.8). */
export const REJECT = {
  notAuthorized: 'resource not available or not authorized',
  notResource: 'not a valid resource topic',
  badFormat: 'not a valid topic format',
  notWritable: 'only feeds and groups may be published to',
  /** A PUBLISH to another account's feed that is not shared with the publisher for writing (or does not exist). */
  onlyShared: 'only shared feeds may be published to',
  /** A PUBLISH to another account's group topic: shared resources are published to as feeds. */
  sharedFeedsOnly: 'in {username}/{type}/{key} topics for shared resources, {type} must be "feeds"',
} as const;

/** Reports a refusal on the user's `{user}/errors` topic: `CLIENT_ID IP ACTION TOPIC rejected, reason`. */
export function reject(ctx: BrokerContext, session: Session, action: 'PUBLISH' | 'SUBSCRIBE', topic: string, reason: string): void {
  ctx.debug(`mqtt: ${printable(session.id)} ${action} ${printable(topic)} rejected, ${reason}`);
  if (!session.user) return;
  ctx.fanout.report(session.user.username, `${session.id} ${session.ip} ${action} ${topic} rejected, ${reason}`);
}
